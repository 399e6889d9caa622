//! Workflow commands, escaped exactly as @actions/core's `command.ts` does.

use super::secrets::redact;

/// Escapes a command's message: `%`, CR and LF.
pub fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: as `escape_data`, plus `:` and `,`.
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationLevel {
    Error,
    Warning,
    Notice,
}

impl AnnotationLevel {
    pub fn command(self) -> &'static str {
        match self {
            AnnotationLevel::Error => "error",
            AnnotationLevel::Warning => "warning",
            AnnotationLevel::Notice => "notice",
        }
    }
}

/// One annotation; the properties are those of @actions/core's `AnnotationProperties`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: AnnotationLevel,
    pub message: String,
    pub title: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub end_line: Option<u32>,
    pub col: Option<u32>,
    pub end_column: Option<u32>,
}

impl Annotation {
    pub fn new(level: AnnotationLevel, message: impl Into<String>) -> Self {
        Annotation {
            level,
            message: message.into(),
            title: None,
            file: None,
            line: None,
            end_line: None,
            col: None,
            end_column: None,
        }
    }

    /// The command line, in @actions/core's property order, with secrets redacted.
    pub fn to_command(&self) -> String {
        let numbers = [
            ("line", self.line),
            ("endLine", self.end_line),
            ("col", self.col),
            ("endColumn", self.end_column),
        ];
        let mut props: Vec<String> = Vec::new();
        if let Some(title) = &self.title {
            props.push(format!("title={}", escape_property(&redact(title))));
        }
        if let Some(file) = &self.file {
            props.push(format!("file={}", escape_property(&redact(file))));
        }
        for (key, value) in numbers {
            if let Some(value) = value {
                props.push(format!("{key}={value}"));
            }
        }
        let mut line = format!("::{}", self.level.command());
        if !props.is_empty() {
            line.push(' ');
            line.push_str(&props.join(","));
        }
        line.push_str("::");
        line.push_str(&escape_data(&redact(&self.message)));
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_first_then_newlines() {
        assert_eq!(escape_data("100%\r\ndone"), "100%25%0D%0Adone");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn property_also_escapes_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn annotation_properties_in_core_order() {
        let mut a = Annotation::new(AnnotationLevel::Error, "two heads:\nx, y");
        a.title = Some("multiple-heads: 2".into());
        a.file = Some("migrations/versions/a,b.py".into());
        a.line = Some(3);
        a.end_line = Some(4);
        a.col = Some(1);
        a.end_column = Some(9);
        assert_eq!(
            a.to_command(),
            "::error title=multiple-heads%3A 2,file=migrations/versions/a%2Cb.py,line=3,endLine=4,col=1,endColumn=9::two heads:%0Ax, y"
        );
    }

    #[test]
    fn annotation_without_properties() {
        let a = Annotation::new(AnnotationLevel::Notice, "plain");
        assert_eq!(a.to_command(), "::notice::plain");
    }
}
