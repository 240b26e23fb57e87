//! `gonogo checks` and `gonogo explain`: the registry's documentation, rendered.

use gonogo_core::CheckKind;
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
    let registry = gonogo_checks::registry();
    let kinds: Vec<&dyn CheckKind> = registry.iter().collect();
    let format = match args.format {
        CatalogueFormat::Text => Format::Text,
        CatalogueFormat::Json => Format::Json,
        CatalogueFormat::Markdown => Format::Markdown,
    };
    print!("{}", catalogue::catalogue(&kinds, format));
    Ok(0)
}

pub fn explain(args: ExplainArgs) -> anyhow::Result<u8> {
    let registry = gonogo_checks::registry();
    let Some(kind) = registry.get(&args.id) else {
        let close: Vec<&str> = registry
            .ids()
            .into_iter()
            .filter(|id| {
                id.split('.').next() == args.id.split('.').next() || id.contains(args.id.as_str())
            })
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!(" (did you mean: {}?)", close.join(", "))
        };
        anyhow::bail!(
            "unknown check `{}`{hint}; `gonogo checks` lists them all",
            args.id
        );
    };
    print!("{}", catalogue::explain(kind));
    Ok(0)
}
