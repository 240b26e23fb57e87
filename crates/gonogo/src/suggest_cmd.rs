//! `gonogo suggest`: arguments → engine suggestions → renderer; `--write` appends the accepted
//! ones as `[[bind]]` rules, asking per item on a terminal when `--accept` is not given.

use crate::check_cmd::CommonArgs;
use anyhow::{Context, bail};
use gonogo_core::recognise::THRESHOLD;
use gonogo_engine::Engine;
use gonogo_engine::suggest::{self, Accepted, ItemSuggestion};
use std::io::{BufRead, IsTerminal, Write};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SuggestFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SuggestFormat,
    /// Append the accepted bindings as [[bind]] rules to the checklist's gonogo.toml (created
    /// if missing; existing content is never changed).
    #[arg(long)]
    pub write: bool,
    /// Which bindings to accept: `all` (each item's best candidate at or above --min-score) or
    /// item ids (each item's best candidate, whatever its score). Without it, --write asks per
    /// item on a terminal.
    #[arg(long, value_name = "all|ID", num_args = 1..)]
    pub accept: Vec<String>,
    /// The lowest score `--accept all` accepts [default: the automatic binding threshold].
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_score: Option<u8>,
}

pub fn suggest(args: SuggestArgs) -> anyhow::Result<u8> {
    let engine = Engine::default();
    let bound = crate::check_cmd::prepare(&engine, &args.common)?;
    let items = suggest::suggestions(&bound);
    let min_score = args.min_score.unwrap_or(THRESHOLD);
    let ids: Vec<String> = args
        .accept
        .iter()
        .flat_map(|a| a.split_whitespace())
        .map(str::to_string)
        .collect();
    let interactive = args.write && ids.is_empty();
    if interactive && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!("--write needs --accept all|ID… when not on a terminal");
    }
    let accepted: Vec<Accepted> = if interactive {
        ask(&items, std::io::stdin().lock(), std::io::stdout())?
    } else if ids.iter().any(|id| id == "all") {
        if ids.len() > 1 {
            bail!("--accept all takes no item ids: give `all` or ids, not both");
        }
        suggest::accept_all(&items, min_score)
    } else {
        suggest::accept_ids(&items, &ids)?
    };

    let written = if args.write {
        let inputs = args.common.inputs();
        let loaded = &bound.loaded;
        let path = suggest::config_file_for(&inputs.config, &loaded.checklist.path, &loaded.repo)
            .context("no config file to write to")?;
        Some(suggest::append_rules(&path, &accepted, engine.registry())?)
    } else {
        None
    };

    let file = &bound.loaded.checklist;
    let out = if interactive {
        written
            .as_ref()
            .map(gonogo_report::written)
            .unwrap_or_default()
    } else {
        let mut out = gonogo_report::suggest(
            &gonogo_report::SuggestView {
                checklist: &file.display_path,
                title: file.checklist.title.as_deref(),
                items: &items,
                min_score,
                written: written.as_ref(),
            },
            match args.format {
                SuggestFormat::Text => gonogo_report::SuggestFormat::Text,
                SuggestFormat::Json => gonogo_report::SuggestFormat::Json,
            },
        );
        // `--accept` without `--write` shows the rules it would append.
        if !args.write && !ids.is_empty() && args.format == SuggestFormat::Text {
            out.push_str(&format!(
                "\nWith --write, these rules would be appended:\n{}",
                suggest::rules_preview(&accepted)
            ));
        }
        out
    };
    print!("{out}");
    Ok(0)
}

/// Ask per item with a candidate: `y` takes the best, a number another, `n` (or nothing)
/// leaves the item, `q` (or the end of the input) stops asking and keeps what was accepted.
fn ask(
    items: &[ItemSuggestion],
    input: impl BufRead,
    mut out: impl Write,
) -> anyhow::Result<Vec<Accepted>> {
    let mut lines = input.lines();
    let mut accepted = Vec::new();
    'items: for item in items.iter().filter(|i| !i.candidates.is_empty()) {
        writeln!(
            out,
            "\n{:>4}  {}\n      id: {}",
            item.line, item.text, item.id
        )?;
        if let Some(check) = item.auto_bound {
            writeln!(out, "      auto-bound today to {check}")?;
        }
        for (i, c) in item.candidates.iter().enumerate() {
            writeln!(out, "      {}. {}", i + 1, gonogo_report::candidate_line(c))?;
        }
        loop {
            match item.candidates.len() {
                1 => write!(out, "Bind it? [y = yes, n = skip, q = stop] ")?,
                n => write!(out, "Bind it? [y = 1, or 1-{n}; n = skip, q = stop] ")?,
            }
            out.flush()?;
            let Some(line) = lines.next() else {
                writeln!(out)?;
                break 'items;
            };
            let answer = line?.trim().to_lowercase();
            let pick = match answer.as_str() {
                "y" | "yes" => Some(0),
                "" | "n" | "no" => continue 'items,
                "q" | "quit" => break 'items,
                n => n.parse::<usize>().ok().and_then(|n| n.checked_sub(1)),
            };
            match pick.and_then(|i| suggest::accept_candidate(item, i)) {
                Some(a) => {
                    accepted.push(a);
                    continue 'items;
                }
                None => writeln!(out, "  answer y, n, q or a candidate's number")?,
            }
        }
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gonogo_core::Params;
    use gonogo_engine::suggest::Suggested;

    fn item(id: &str, checks: &[(&'static str, u8)]) -> ItemSuggestion {
        ItemSuggestion {
            id: id.into(),
            line: 3,
            section: vec!["Ops".into()],
            text: format!("{id} configured"),
            plain_text: format!("{id} configured"),
            auto_bound: None,
            candidates: checks
                .iter()
                .map(|(check, score)| Suggested {
                    check,
                    params: Params::new().with("rules", "pdb"),
                    score: *score,
                    matched: vec!["pdb".into()],
                })
                .collect(),
        }
    }

    #[test]
    fn the_prompt_takes_yes_a_number_no_and_quit() {
        let items = [
            item("ops/a", &[("k8s.workloads", 80)]),
            item("ops/none", &[]),
            item("ops/b", &[("k8s.workloads", 50), ("compose.lint", 40)]),
            item("ops/c", &[("k8s.workloads", 70)]),
            item("ops/d", &[("k8s.workloads", 70)]),
            item("ops/e", &[("k8s.workloads", 70)]),
        ];
        let mut transcript = Vec::new();
        let answers = "y\n7\n2\n\nq\n";
        let accepted = ask(&items, answers.as_bytes(), &mut transcript).unwrap();
        let picked: Vec<(&str, &str)> = accepted
            .iter()
            .map(|a| (a.item_id.as_str(), a.candidate.check))
            .collect();
        assert_eq!(
            picked,
            [("ops/a", "k8s.workloads"), ("ops/b", "compose.lint")]
        );
        insta::assert_snapshot!(String::from_utf8(transcript).unwrap());
    }
}
