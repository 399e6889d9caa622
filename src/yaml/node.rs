//! The spanned YAML tree: every node knows the line and column where it starts, so a finding or
//! an error can name the line of the field it is about.

/// One YAML node and where it starts in the text (1-based; columns count characters). For a
/// mapping entry the key and the value are nodes of their own, each with its own place.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: usize,
    pub column: usize,
}

/// A node's value, its scalars resolved as yaml_serde resolves them. Integers that do not fit
/// an `i64` are kept as `Float`, as JSON readers do.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique (the loader refuses a repeated key).
    Map(Vec<(Node, Node)>),
}

/// One step of a path into a tree: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathItem<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> From<&'a str> for PathItem<'a> {
    fn from(key: &'a str) -> Self {
        PathItem::Key(key)
    }
}

impl From<usize> for PathItem<'_> {
    fn from(index: usize) -> Self {
        PathItem::Index(index)
    }
}

impl Node {
    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The value under a string key of a mapping, to change (its place stays its own).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key and the value of an entry of a mapping: the key's place is where a field that
    /// is wrong as a whole (not only its value) is pointed at.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The node at a path of keys and indexes; the empty path is the node itself.
    pub fn at(&self, path: &[PathItem]) -> Option<&Node> {
        path.iter().try_fold(self, |node, item| match item {
            PathItem::Key(key) => node.get(key),
            PathItem::Index(index) => node.as_seq()?.get(*index),
        })
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// A number, integer or not.
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.value == Value::Null
    }

    /// The tree as yaml_serde's value, positions dropped: to deserialize a typed struct from a
    /// node (`yaml_serde::from_value`) once its places have been looked at.
    pub fn to_yaml_serde(&self) -> yaml_serde::Value {
        use yaml_serde::Value as Y;
        match &self.value {
            Value::Null => Y::Null,
            Value::Bool(b) => Y::Bool(*b),
            Value::Int(i) => Y::from(*i),
            Value::Float(f) => Y::from(*f),
            Value::String(s) => Y::String(s.clone()),
            Value::Seq(items) => Y::Sequence(items.iter().map(Node::to_yaml_serde).collect()),
            Value::Map(entries) => Y::Mapping(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_yaml_serde(), v.to_yaml_serde()))
                    .collect(),
            ),
        }
    }

    /// The node and all the nodes below it.
    pub fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize, value: Value) -> Node {
        Node {
            value,
            line,
            column,
        }
    }

    #[test]
    fn paths_walk_keys_and_indexes() {
        let leaf = at(3, 7, Value::Int(1));
        let root = at(
            1,
            1,
            Value::Map(vec![(
                at(1, 1, Value::String("a".into())),
                at(2, 3, Value::Seq(vec![leaf.clone()])),
            )]),
        );
        assert_eq!(root.at(&["a".into(), 0.into()]), Some(&leaf));
        assert_eq!(root.at(&[]), Some(&root));
        assert_eq!(root.at(&["a".into(), 1.into()]), None);
        assert_eq!(root.at(&["b".into()]), None);
        assert_eq!(root.at(&[0.into()]), None);
        assert_eq!(root.entry("a").map(|(k, _)| k.line), Some(1));
        assert_eq!(root.count(), 4);
        assert_eq!(leaf.as_f64(), Some(1.0));
        assert_eq!(leaf.as_str(), None);
    }
}
