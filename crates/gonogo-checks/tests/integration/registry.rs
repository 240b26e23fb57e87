//! Every registered check kind is held to its documentation.

use gonogo_core::Params;
use gonogo_core::check::ItemRef;
use std::collections::HashSet;

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for kind in gonogo_checks::KINDS {
        let id = kind.id();
        assert!(seen.insert(id), "duplicate check id {id}");
        let (family, name) = id
            .split_once('.')
            .unwrap_or_else(|| panic!("{id}: id must be family.name"));
        assert!(
            is_kebab(family) && is_kebab(name),
            "{id}: family and name must be kebab-case"
        );
    }
}

#[test]
fn every_kind_is_documented() {
    for kind in gonogo_checks::KINDS {
        let doc = kind.doc();
        let id = kind.id();
        assert!(
            doc.summary.len() > 10 && !doc.summary.contains("TODO"),
            "{id}: summary missing"
        );
        assert!(
            doc.description.len() > 40 && !doc.description.contains("TODO"),
            "{id}: description missing"
        );
        assert!(
            !doc.examples.is_empty(),
            "{id}: at least one example annotation"
        );
        for p in doc.params {
            assert!(
                !p.description.is_empty(),
                "{id}: parameter {} undocumented",
                p.name
            );
        }
        let mut codes = HashSet::new();
        for (code, why) in doc.findings {
            assert!(
                is_kebab(code),
                "{id}: finding code {code} must be kebab-case"
            );
            assert!(codes.insert(code), "{id}: finding code {code} listed twice");
            assert!(!why.is_empty(), "{id}: finding code {code} unexplained");
        }
    }
}

#[test]
fn finding_codes_are_unique_across_kinds() {
    let mut seen = std::collections::HashMap::new();
    for kind in gonogo_checks::KINDS {
        for (code, _) in kind.doc().findings {
            if let Some(other) = seen.insert(*code, kind.id()) {
                panic!("finding code {code} used by both {other} and {}", kind.id());
            }
        }
    }
}

/// Parses `id key=value key="quoted value"` the simple way (no `$VAR` here).
fn example_params(example: &str) -> (String, Params) {
    let mut parts = example.split_whitespace();
    let id = parts.next().unwrap().to_string();
    let rest: Vec<&str> = parts.collect();
    let joined = rest.join(" ");
    let mut params = Params::new();
    let mut rest = joined.as_str();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim();
        let after = &rest[eq + 1..];
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').expect("closing quote");
            (&q[..end], &q[end + 1..])
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        params.insert(key, value);
        rest = tail.trim_start();
    }
    (id, params)
}

#[test]
fn documented_examples_prepare() {
    for kind in gonogo_checks::KINDS {
        for example in kind.doc().examples {
            let (id, params) = example_params(example);
            assert_eq!(id, kind.id(), "example `{example}` names another kind");
            if let Err(e) = gonogo_core::check::prepare(*kind, &params) {
                panic!("{}: example `{example}` does not prepare: {e}", kind.id());
            }
        }
    }
}

#[test]
fn documented_phrases_bind_to_their_own_kind_and_no_other() {
    let registry = gonogo_checks::registry();
    let engine = gonogo_core::recognise::Engine::new(&registry);
    let mut wrong = Vec::new();
    for kind in gonogo_checks::KINDS {
        for phrase in kind.doc().phrases {
            let assessment = engine.assess(ItemRef::plain(phrase));
            match assessment.chosen() {
                Some(c) if c.kind.id() == kind.id() => {
                    if let Err(e) = gonogo_core::check::prepare(*kind, &c.params) {
                        wrong.push(format!(
                            "{}: phrase {phrase:?} binds parameters that do not prepare: {e}",
                            kind.id()
                        ));
                    }
                }
                other => wrong.push(format!(
                    "{}: documented phrase {phrase:?} binds to {:?} (candidates {:?}; {})",
                    kind.id(),
                    other.map(|c| c.kind.id()),
                    assessment
                        .candidates
                        .iter()
                        .map(|c| (c.kind.id(), c.score))
                        .collect::<Vec<_>>(),
                    assessment.close_call.as_deref().unwrap_or("")
                )),
            }
        }
        for phrase in kind.doc().not_phrases {
            let assessment = engine.assess(ItemRef::plain(phrase));
            if assessment
                .chosen()
                .is_some_and(|c| c.kind.id() == kind.id())
            {
                wrong.push(format!("{}: must not bind {phrase:?}", kind.id()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn parameters_read_are_documented_and_documented_defaults_parse() {
    for kind in gonogo_checks::KINDS {
        let doc = kind.doc();
        let mut read = HashSet::new();
        for example in doc.examples {
            let (_, params) = example_params(example);
            let (prepared, reads) =
                gonogo_core::params::record_reads(|| gonogo_core::check::prepare(*kind, &params));
            if let Err(e) = prepared {
                panic!("{}: example `{example}` does not prepare: {e}", kind.id());
            }
            for r in reads {
                let Some(p) = doc.param(&r.name) else {
                    assert!(
                        gonogo_core::params::GLOBAL_PARAMS.contains(&r.name.as_str()),
                        "{}: reads parameter `{}`, which its doc does not list",
                        kind.id(),
                        r.name
                    );
                    continue;
                };
                if let Some(default) = p.default
                    && let Err(e) = (r.parses)(default)
                {
                    panic!(
                        "{}: documented default `{}={default}` does not parse: {e}",
                        kind.id(),
                        p.name
                    );
                }
                read.insert(r.name);
            }
        }
        for p in doc.params {
            assert!(
                read.contains(p.name),
                "{}: documents `{}`, but no example reads it",
                kind.id(),
                p.name
            );
        }
    }
}

#[test]
fn parameters_outside_the_doc_are_rejected() {
    for kind in gonogo_checks::KINDS {
        let (_, mut params) = example_params(kind.doc().examples[0]);
        params.insert("no_such_parameter", "1");
        let e = gonogo_core::check::prepare(*kind, &params)
            .err()
            .unwrap_or_else(|| panic!("{}: accepted an undocumented parameter", kind.id()));
        assert_eq!(e.key, "no_such_parameter", "{}", kind.id());
        // Parameters every kind takes are not rejected.
        let (_, mut params) = example_params(kind.doc().examples[0]);
        params.insert("blocking", "false");
        if let Err(e) = gonogo_core::check::prepare(*kind, &params) {
            assert_ne!(e.key, "blocking", "{}", kind.id());
        }
    }
}

/// `redis.hit-rate` → `RedisHitRate`.
fn struct_name(id: &str) -> String {
    id.split(['.', '-'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn kind_structs_are_named_after_their_ids() {
    for kind in gonogo_checks::KINDS {
        let name = kind.type_name().rsplit("::").next().unwrap();
        assert_eq!(name, struct_name(kind.id()), "{}", kind.type_name());
    }
}

/// Orders of the registry that must not change any binding: as listed, reversed, rotated and
/// interleaved.
fn registry_orders() -> Vec<Vec<&'static dyn gonogo_core::CheckKind>> {
    let kinds: Vec<_> = gonogo_checks::KINDS.to_vec();
    let mut orders = vec![kinds.clone(), kinds.iter().rev().copied().collect()];
    for step in [7, 13, 29] {
        let mut rotated = kinds.clone();
        rotated.rotate_left(step % kinds.len());
        orders.push(rotated);
    }
    let (even, odd): (Vec<_>, Vec<_>) = kinds.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    orders.push(odd.into_iter().chain(even).map(|(_, k)| *k).collect());
    orders
}

#[test]
fn recognition_ties_never_depend_on_the_registry_order() {
    use gonogo_core::bind::{ItemBinding, bind};
    use gonogo_core::recognise::recognise;
    use gonogo_core::{Registry, config::Config};
    let bound = |registry: &Registry, seed: &str| -> Vec<Option<(String, Params)>> {
        let path = format!(
            "{}/../../examples/checklists/{seed}",
            env!("CARGO_MANIFEST_DIR")
        );
        let checklist = gonogo_checklist::parse(&std::fs::read_to_string(path).unwrap());
        let plan = bind(
            &checklist,
            seed,
            &Config::with_defaults(),
            registry,
            &Default::default(),
        );
        plan.items
            .iter()
            .map(|b| match b {
                ItemBinding::Check(b) => Some((b.kind.id().to_string(), b.params.clone())),
                _ => None,
            })
            .collect()
    };
    let phrases = |registry: &Registry| -> Vec<Option<(&'static str, Params)>> {
        gonogo_checks::KINDS
            .iter()
            .flat_map(|k| k.doc().phrases)
            .map(|text| recognise(registry, ItemRef::plain(text)).map(|c| (c.kind.id(), c.params)))
            .collect()
    };
    let listed = gonogo_checks::registry();
    for order in registry_orders() {
        let registry = Registry::new(order);
        for seed in ["seed-000.md", "seed-004.md"] {
            assert_eq!(bound(&registry, seed), bound(&listed, seed), "{seed}");
        }
        assert_eq!(phrases(&registry), phrases(&listed));
    }
}

/// Every `.rs` file under `dir`, with its path relative to `src/` (forward slashes).
fn source_files(dir: &std::path::Path, src: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            source_files(&path, src, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(src).expect("under src");
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).expect("read source")));
        }
    }
}

/// The module path of a source file: `docker/dockerfile.rs` → `docker::dockerfile`.
fn module_of(rel: &str) -> String {
    rel.trim_end_matches(".rs")
        .trim_end_matches("/mod")
        .replace('/', "::")
}

/// Kinds never import other kinds: what several kinds need lives in `gonogo-parsers`,
/// `gonogo-repo`, `gonogo-secrets` or a module that is no kind (`support`, `util`, a family's
/// `mod.rs`). A kind module is a file that implements `CheckKind`.
#[test]
fn no_kind_imports_another_kind() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &src, &mut files);
    let kinds: std::collections::BTreeMap<String, String> = files
        .iter()
        .filter(|(_, text)| text.contains("impl CheckKind for"))
        .map(|(rel, _)| (module_of(rel), rel.clone()))
        .collect();
    assert!(kinds.len() >= 50, "kind modules found: {}", kinds.len());
    let crate_path = regex::Regex::new(r"crate((?:::[a-z_][a-z0-9_]*)+)").unwrap();
    let super_path = regex::Regex::new(r"\bsuper::([a-z_][a-z0-9_]*)").unwrap();
    let mut offences = Vec::new();
    for (rel, text) in &files {
        let me = module_of(rel);
        if !kinds.contains_key(&me) {
            continue;
        }
        let parent = me.rsplit_once("::").map_or("", |(p, _)| p).to_string();
        let mut named: Vec<String> = crate_path
            .captures_iter(text)
            .map(|c| c[1].trim_start_matches("::").to_string())
            .collect();
        named.extend(super_path.captures_iter(text).map(|c| {
            if parent.is_empty() {
                c[1].to_string()
            } else {
                format!("{parent}::{}", &c[1])
            }
        }));
        for path in named {
            // `crate::a::b::item` names module `a::b` or `a`: any prefix that is a kind counts.
            let parts: Vec<&str> = path.split("::").collect();
            for n in 1..=parts.len() {
                let module = parts[..n].join("::");
                if module != me && kinds.contains_key(&module) {
                    offences.push(format!("{rel} imports kind module `{module}`"));
                }
            }
        }
    }
    offences.sort();
    offences.dedup();
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}
