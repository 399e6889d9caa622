//! `ready k8s-ready`: checks Kubernetes manifests before they reach the cluster: probes,
//! resources, rollouts without downtime, immutable images (and the very image the pipeline
//! just pushed), a non-root runtime, no secrets in env, TLS and request-size limits at the
//! ingress. Each finding on the file and line of the offending field.
//!
//! collect (files, stdin, kustomize; YAML with positions) → objects (kinds, pod templates) →
//! set_image (the images the deploy sets, on the file's lines) → rules (one unit per rule,
//! pure) → present (report, table by object, what set-image set); SARIF by the shared writer
//! (render::sarif). images: image references and digests, as the rules and set-image read them.

pub mod collect;
pub mod images;
pub mod objects;
pub mod present;
pub mod rules;
pub mod set_image;

use crate::inputs::given;
use crate::report::{Failure, Report};

pub const NAME: &str = "k8s-ready";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: None,
    needs: crate::actions::Needs::NOTHING,
};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// Files, directories or globs of YAML (multi-document), one a line or comma-separated; `-` reads stdin.
    #[arg(long, env = "INPUT_MANIFESTS")]
    pub manifests: Option<String>,
    /// A directory to render with `kubectl kustomize` (kubectl must be on PATH).
    #[arg(long, env = "INPUT_KUSTOMIZE")]
    pub kustomize: Option<String>,
    /// The image being deployed, `<image>@sha256:…`: every container of that image must reference exactly it.
    #[arg(long, env = "INPUT_EXPECT_IMAGE")]
    pub expect_image: Option<String>,
    /// Only these rule ids (comma or newline separated); empty: all.
    #[arg(long, env = "INPUT_RULES")]
    pub rules: Option<String>,
    /// Check the manifests as the deploy will set their images: `<name>=<image>@sha256:…` (as
    /// `kustomize edit set image`), or `<image>@sha256:…` for its own repository; one a line or comma-separated.
    #[arg(long, env = "INPUT_SET_IMAGE")]
    pub set_image: Option<String>,
    /// Rule ids not to run.
    #[arg(long, env = "INPUT_IGNORE")]
    pub ignore: Option<String>,
    /// The fewest replicas a Deployment or StatefulSet may run (default 2).
    #[arg(long, env = "INPUT_MIN_REPLICAS")]
    pub min_replicas: Option<String>,
    /// The largest request body an Ingress may accept (`10m`, `512k`, bytes); turns on ingress-body-size.
    #[arg(long, env = "INPUT_MAX_BODY_SIZE")]
    pub max_body_size: Option<String>,
    /// Where to write SARIF 2.1.0 for code scanning.
    #[arg(long, env = "INPUT_SARIF")]
    pub sarif: Option<String>,
}

/// The default of `min-replicas`.
pub const MIN_REPLICAS: i64 = 2;

fn options(args: &Args) -> Result<rules::Options, Failure> {
    let list = |v: &Option<String>| crate::inputs::list(given(v).unwrap_or_default());
    let selected =
        rules::select(&list(&args.rules), &list(&args.ignore)).map_err(Failure::invalid)?;
    if selected.is_empty() {
        // Running no rule would pass anything.
        return Err(Failure::invalid(
            "`rules` and `ignore` leave no rule to run: a check of nothing is not a passing one",
        ));
    }
    let min_replicas = match given(&args.min_replicas) {
        None => MIN_REPLICAS,
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            Failure::invalid(format!(
                "`min-replicas`: expected a whole number, found {v:?}"
            ))
        })?,
    };
    let max_body_size = given(&args.max_body_size)
        .map(|v| {
            rules::parse_size(v).filter(|n| *n > 0).ok_or_else(|| {
                Failure::invalid(format!("`max-body-size`: expected a size such as 10m, 512k or a number of bytes, found {v:?}"))
            })
        })
        .transpose()?;
    let expect_image = given(&args.expect_image)
        .map(rules::ExpectedImage::parse)
        .transpose()
        .map_err(Failure::invalid)?;
    Ok(rules::Options {
        rules: selected,
        min_replicas,
        max_body_size,
        expect_image,
    })
}

/// The sources' names, for messages about the whole input.
fn shown(sources: &[objects::Source]) -> String {
    let names: Vec<&str> = sources.iter().map(|s| s.display.as_str()).collect();
    if names.is_empty() {
        "the input".to_string()
    } else {
        names.join(", ")
    }
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let options = options(&args)?;
    let set_image = set_image::parse(&crate::inputs::list(
        given(&args.set_image).unwrap_or_default(),
    ))
    .map_err(Failure::invalid)?;
    let manifests = crate::inputs::list(given(&args.manifests).unwrap_or_default());
    let kustomize = given(&args.kustomize);
    if manifests.is_empty() && kustomize.is_none() {
        return Err(Failure::invalid(
            "give `manifests` (files, directories, globs or - for stdin) or `kustomize` (a directory)",
        ));
    }
    let sources = collect::sources(&manifests, kustomize, &mut std::io::stdin().lock())?;
    let documents = collect::parse(&sources)?;
    let mut objects = objects::read(&sources, documents)?;
    if objects.checked.is_empty() && objects.skipped.is_empty() {
        return Err(Failure::invalid(format!(
            "no Kubernetes object in {}: an empty input is not a passing one",
            shown(&sources)
        )));
    }
    if objects.checked.is_empty() {
        // Only custom resources: nothing this check knows was checked, which is no pass.
        return Err(Failure::invalid(format!(
            "no object of a kind this check knows in {}: {} skipped as unknown kinds (custom resources, CRDs); name the manifests of the workloads",
            shown(&sources),
            objects.skipped.len()
        )));
    }
    let unmatched = set_image::apply(&mut objects.checked, &set_image);
    let found = rules::check(&sources, &objects.checked, &options);
    let mut report = present::report(&sources, &objects, found);
    present::set_images(&mut report, &sources, &objects, &unmatched);
    if let Some(path) = given(&args.sarif) {
        // Code scanning gets the problems, not the notes of what was set.
        let problems: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule != present::SET_IMAGE)
            .cloned()
            .collect();
        crate::render::sarif::write_file(
            std::path::Path::new(path),
            NAME,
            &rules::Rule::sarif_rules(),
            &problems,
        )?;
        report.output("sarif", path);
    }
    Ok(report)
}
