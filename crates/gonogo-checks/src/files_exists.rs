//! `files.exists`: a path or glob exists in the repository and is not trivially empty.

use crate::util::rel_path;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Recognition, check::ItemRef,
};

pub struct FilesExists;

static DOC: CheckDoc = CheckDoc {
    summary: "A file (or a glob) exists in the repository and is not trivially empty.",
    description: "TODO",
    params: &[
        ParamDoc::required(
            "path",
            "Path or glob relative to the repository root (`docs/*.md`).",
        ),
        ParamDoc::with_default("min_bytes", "Smallest size that counts as not empty.", "16"),
    ],
    examples: &["files.exists path=README.md"],
    phrases: &[],
    not_phrases: &[],
    findings: &[],
};

impl CheckKind for FilesExists {
    fn id(&self) -> &'static str {
        "files.exists"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn recognise(&self, _item: ItemRef<'_>) -> Option<Recognition> {
        None
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        params.reject_unknown(&["path", "min_bytes"])?;
        let path = params.required("path")?.to_string();
        let min_bytes = params.u64("min_bytes")?.unwrap_or(16);
        Ok(Box::new(Prepared { path, min_bytes }))
    }
}

struct Prepared {
    path: String,
    min_bytes: u64,
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let p = ctx.repo.join(&self.path);
        match std::fs::metadata(&p) {
            Ok(m) if m.len() >= self.min_bytes => {
                Outcome::pass(format!("{} exists ({} bytes)", self.path, m.len()))
                    .at(Location::file(rel_path(&ctx.repo, &p)))
            }
            Ok(m) => Outcome::fail(format!("{} is nearly empty ({} bytes)", self.path, m.len())),
            Err(_) => Outcome::fail(format!("{} not found", self.path)),
        }
    }
}
