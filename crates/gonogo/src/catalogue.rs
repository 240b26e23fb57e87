//! `gonogo checks` and `gonogo explain`: the registry's documentation, rendered.

use gonogo_core::CheckKind;
use gonogo_engine::Engine;
use gonogo_report::catalogue::{self, CatalogueFormat as Format};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CatalogueFormat {
    Text,
    Json,
    /// The Markdown table used in README.md.
    Markdown,
}

#[derive(clap::Args)]
pub struct ChecksArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: CatalogueFormat,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A check id, e.g. `secrets.scan`.
    pub id: String,
}

pub fn checks(args: ChecksArgs) -> anyhow::Result<u8> {
    let engine = Engine::default();
    let kinds: Vec<&dyn CheckKind> = engine.registry().iter().collect();
    let format = match args.format {
        CatalogueFormat::Text => Format::Text,
        CatalogueFormat::Json => Format::Json,
        CatalogueFormat::Markdown => Format::Markdown,
    };
    print!("{}", catalogue::catalogue(&kinds, format));
    Ok(0)
}

pub fn explain(args: ExplainArgs) -> anyhow::Result<u8> {
    let kind = Engine::default().kind(&args.id)?;
    print!("{}", catalogue::explain(kind));
    Ok(0)
}
