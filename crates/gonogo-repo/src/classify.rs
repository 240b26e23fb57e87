//! What a repository file is, from its path alone: the one place each kind of file is
//! recognised, so every check that reads compose files reads the same ones.

/// A compose file: `docker-compose*.yml`, `compose*.yaml` (overlays such as
/// `docker-compose.override.yml` and `compose.prod.yaml` included).
pub fn is_compose_file(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("docker-compose") || n.starts_with("compose"))
        && (n.ends_with(".yml") || n.ends_with(".yaml"))
}

/// A compose file that overlays another (`docker-compose.override.yml`, `compose.prod.yaml`):
/// more than the base name before the extension.
pub fn is_compose_overlay(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    is_compose_file(&n)
        && !matches!(
            n.as_str(),
            "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"
        )
}

/// A YAML file that may hold Kubernetes manifests: not a workflow, not a compose file.
pub fn looks_like_manifest_file(name: &str, rel: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.ends_with(".yaml") || n.ends_with(".yml"))
        && !rel.starts_with(".github/")
        && !is_compose_file(&n)
}

/// A Helm chart's `Chart.yaml` (any case: `chart.yaml` too).
pub fn is_helm_chart(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "chart.yaml" || n == "chart.yml"
}

/// A Helm values file: `values.yaml`, `values-prod.yml` (any case).
pub fn is_helm_values(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("values") && (n.ends_with(".yaml") || n.ends_with(".yml"))
}

/// A YAML file by its extension (`.yml`, `.yaml`, lower case as tools expect).
pub fn is_yaml(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

/// A Dockerfile (`Dockerfile`, `Containerfile`, `api.dockerfile`, `Dockerfile.prod`).
pub fn is_dockerfile(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "dockerfile"
        || n == "containerfile"
        || n.ends_with(".dockerfile")
        || (n.starts_with("dockerfile.") && !n.ends_with(".md") && !n.ends_with(".dockerignore"))
}

/// A dotenv file: `.env`, `.env.production`, `prod.env`.
pub fn is_env_file(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || (name.ends_with(".env") && name.len() > 4)
}

/// A dotenv file meant to be copied, not used: `.env.example`, `.env.sample`, `.env.template`.
pub fn is_env_template(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_env_file(name)
        && lower
            .split(['.', '-', '_'])
            .any(|p| ["example", "examples", "sample", "template", "tpl", "dist"].contains(&p))
}

/// A CI workflow: GitHub Actions (`.github/workflows/*.yml`) or `.gitlab-ci.yml`.
pub fn is_ci_workflow(rel: &str) -> bool {
    (rel.starts_with(".github/workflows/") && (rel.ends_with(".yml") || rel.ends_with(".yaml")))
        || rel == ".gitlab-ci.yml"
}

/// A pip requirements file (`requirements.txt`, `requirements-dev.txt`, `requirements/base.txt`).
pub fn is_requirements_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("requirements") && lower.ends_with(".txt"))
        || (rel.to_ascii_lowercase().contains("requirements/") && lower.ends_with(".txt"))
}

/// A dependency manifest (what a project declares it depends on).
pub fn is_dependency_manifest(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(
        name,
        "Cargo.toml"
            | "package.json"
            | "pyproject.toml"
            | "Pipfile"
            | "setup.py"
            | "setup.cfg"
            | "go.mod"
            | "Gemfile"
            | "pom.xml"
            | "build.gradle"
            | "build.gradle.kts"
            | "composer.json"
    ) || is_requirements_file(rel)
}

/// A lockfile (the exact versions a manifest resolved to).
pub fn is_lockfile(name: &str) -> bool {
    matches!(
        name,
        "Cargo.lock"
            | "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "bun.lockb"
            | "poetry.lock"
            | "uv.lock"
            | "Pipfile.lock"
            | "pdm.lock"
            | "go.sum"
            | "Gemfile.lock"
            | "composer.lock"
    )
}

/// A database migration: a file under a `migrations/` directory or Alembic's `versions/`.
pub fn is_migration(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let mut dirs = lower.split('/').rev().skip(1);
    dirs.any(|d| matches!(d, "migrations" | "migration" | "versions"))
}

/// Documentation (Markdown, reStructuredText, AsciiDoc, `docs/*.txt`, READMEs).
pub fn is_doc_file(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    lower.ends_with(".md")
        || lower.ends_with(".rst")
        || lower.ends_with(".adoc")
        || lower.ends_with(".mdx")
        || (lower.starts_with("docs/") && lower.ends_with(".txt"))
        || name.starts_with("readme")
}

/// A JSON file by its extension (`.json`).
pub fn is_json(name: &str) -> bool {
    name.ends_with(".json")
}

/// A Markdown file (`.md`, any case).
pub fn is_markdown(rel: &str) -> bool {
    rel.to_ascii_lowercase().ends_with(".md")
}

/// An OpenAPI document by its usual names: `openapi.yaml`, `swagger.json`, `api.openapi.yml`,
/// `api-spec.yaml`, `openapi-spec.json` (any case).
pub fn is_openapi_spec(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let stem = n.rsplit_once('.');
    matches!(stem, Some((s, "yaml" | "yml" | "json")) if s == "openapi" || s == "swagger" || s.ends_with(".openapi") || s == "api-spec" || s == "openapi-spec")
}

/// A vulnerability scanner's JSON report by its usual names (`trivy.json`, `grype-report.json`,
/// `npm-audit.json`, `snyk.json`, `osv-results.json`, …), never `package.json`.
pub fn is_vulnerability_report(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".json")
        && ["trivy", "grype", "audit", "snyk", "vuln", "osv", "scan"]
            .iter()
            .any(|w| n.contains(w))
        && n != "package.json"
}

/// The language of a source file by its extension (any case), for the languages kinds read:
/// Python, JavaScript/TypeScript (`.js`, `.mjs`, `.cjs`, `.ts`, `.tsx`, `.jsx`), Rust, Go.
pub fn source_language(name: &str) -> Option<FileClass> {
    let n = name.to_ascii_lowercase();
    let ext = n.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "py" => Some(FileClass::Python),
        "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" => Some(FileClass::JavaScript),
        "rs" => Some(FileClass::Rust),
        "go" => Some(FileClass::Go),
        _ => None,
    }
}

/// One kind of file [`classes`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum FileClass {
    Compose = 1 << 0,
    ComposeOverlay = 1 << 1,
    Manifest = 1 << 2,
    HelmChart = 1 << 3,
    HelmValues = 1 << 4,
    Dockerfile = 1 << 5,
    EnvFile = 1 << 6,
    EnvTemplate = 1 << 7,
    CiWorkflow = 1 << 8,
    DependencyManifest = 1 << 9,
    RequirementsFile = 1 << 10,
    Lockfile = 1 << 11,
    Migration = 1 << 12,
    Doc = 1 << 13,
    Yaml = 1 << 14,
    Json = 1 << 15,
    Markdown = 1 << 16,
    OpenApiSpec = 1 << 17,
    VulnerabilityReport = 1 << 18,
    /// Source files, by language ([`source_language`]).
    Python = 1 << 19,
    JavaScript = 1 << 20,
    Rust = 1 << 21,
    Go = 1 << 22,
}

/// Every [`FileClass`] one file belongs to (a file may be several: a compose overlay is also
/// a compose file and YAML).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Classes(u32);

impl Classes {
    pub fn has(self, class: FileClass) -> bool {
        self.0 & class as u32 != 0
    }
    fn with(self, class: FileClass, yes: bool) -> Self {
        if yes {
            Classes(self.0 | class as u32)
        } else {
            self
        }
    }
}

impl Classes {
    /// A source file in one of the languages [`source_language`] knows.
    pub fn is_source(self) -> bool {
        [
            FileClass::Python,
            FileClass::JavaScript,
            FileClass::Rust,
            FileClass::Go,
        ]
        .into_iter()
        .any(|c| self.has(c))
    }
}

/// What the file at `rel` (repository-relative, forward slashes) is, by every rule above.
pub fn classes(rel: &str) -> Classes {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let language = source_language(name);
    Classes::default()
        .with(FileClass::Compose, is_compose_file(name))
        .with(FileClass::ComposeOverlay, is_compose_overlay(name))
        .with(FileClass::Manifest, looks_like_manifest_file(name, rel))
        .with(FileClass::HelmChart, is_helm_chart(name))
        .with(FileClass::HelmValues, is_helm_values(name))
        .with(FileClass::Dockerfile, is_dockerfile(name))
        .with(FileClass::EnvFile, is_env_file(name))
        .with(FileClass::EnvTemplate, is_env_template(name))
        .with(FileClass::CiWorkflow, is_ci_workflow(rel))
        .with(FileClass::DependencyManifest, is_dependency_manifest(rel))
        .with(FileClass::RequirementsFile, is_requirements_file(rel))
        .with(FileClass::Lockfile, is_lockfile(name))
        .with(FileClass::Migration, is_migration(rel))
        .with(FileClass::Doc, is_doc_file(rel))
        .with(FileClass::Yaml, is_yaml(name))
        .with(FileClass::Json, is_json(name))
        .with(FileClass::Markdown, is_markdown(name))
        .with(FileClass::OpenApiSpec, is_openapi_spec(name))
        .with(
            FileClass::VulnerabilityReport,
            is_vulnerability_report(name),
        )
        .with(FileClass::Python, language == Some(FileClass::Python))
        .with(
            FileClass::JavaScript,
            language == Some(FileClass::JavaScript),
        )
        .with(FileClass::Rust, language == Some(FileClass::Rust))
        .with(FileClass::Go, language == Some(FileClass::Go))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_files_and_overlays() {
        for n in [
            "docker-compose.yml",
            "compose.yaml",
            "docker-compose.override.yml",
        ] {
            assert!(is_compose_file(n), "{n}");
        }
        assert!(!is_compose_file("compose.json") && !is_compose_file("my-compose.yml"));
        assert!(is_compose_overlay("docker-compose.override.yml"));
        assert!(is_compose_overlay("compose.prod.yaml"));
        assert!(!is_compose_overlay("docker-compose.yml"));
    }

    #[test]
    fn manifests_are_yaml_that_is_neither_compose_nor_a_workflow() {
        assert!(looks_like_manifest_file("deploy.yaml", "k8s/deploy.yaml"));
        assert!(!looks_like_manifest_file(
            "ci.yml",
            ".github/workflows/ci.yml"
        ));
        assert!(!looks_like_manifest_file(
            "docker-compose.yml",
            "docker-compose.yml"
        ));
        assert!(is_helm_chart("Chart.yaml") && !is_helm_chart("values.yaml"));
        assert!(is_helm_chart("chart.yml"));
        assert!(is_helm_values("values.yaml") && is_helm_values("Values-prod.yml"));
        assert!(!is_helm_values("values.json") && !is_helm_values("my-values.yaml"));
    }

    #[test]
    fn dockerfiles_env_files_and_templates() {
        for n in [
            "Dockerfile",
            "Containerfile",
            "api.dockerfile",
            "Dockerfile.prod",
        ] {
            assert!(is_dockerfile(n), "{n}");
        }
        assert!(!is_dockerfile("Dockerfile.md") && !is_dockerfile("Dockerfile.dockerignore"));
        for n in [".env", ".env.production", "prod.env"] {
            assert!(is_env_file(n), "{n}");
        }
        assert!(!is_env_file(".envrc") && !is_env_file(".env_x"));
        assert!(is_env_template(".env.example") && !is_env_template(".env.production"));
    }

    #[test]
    fn workflows_manifests_lockfiles_migrations_docs() {
        assert!(is_ci_workflow(".github/workflows/ci.yml") && is_ci_workflow(".gitlab-ci.yml"));
        assert!(!is_ci_workflow("ci.yml"));
        assert!(is_requirements_file("requirements/base.txt"));
        assert!(is_dependency_manifest("api/package.json"));
        assert!(is_dependency_manifest("requirements-dev.txt"));
        assert!(is_lockfile("Cargo.lock") && !is_lockfile("Cargo.toml"));
        assert!(is_migration("alembic/versions/1a2b_init.py"));
        assert!(is_migration("db/migrations/0001_init.sql"));
        assert!(!is_migration("src/app.py"));
        assert!(is_doc_file("docs/guide.txt") && is_doc_file("README") && !is_doc_file("a.txt"));
    }

    #[test]
    fn classes_collect_every_rule_a_path_meets() {
        let c = classes("deploy/docker-compose.override.yml");
        assert!(c.has(FileClass::Compose) && c.has(FileClass::ComposeOverlay));
        assert!(c.has(FileClass::Yaml) && !c.has(FileClass::Manifest));
        let c = classes("requirements/base.txt");
        assert!(c.has(FileClass::RequirementsFile) && c.has(FileClass::DependencyManifest));
        let c = classes(".env.example");
        assert!(c.has(FileClass::EnvFile) && c.has(FileClass::EnvTemplate));
        assert_eq!(classes("LICENSE"), Classes::default());
        assert!(!classes("a.YML").has(FileClass::Yaml));
        assert!(classes("docs/PLAN.MD").has(FileClass::Markdown));
        let c = classes("api/Swagger.json");
        assert!(c.has(FileClass::OpenApiSpec) && c.has(FileClass::Json));
        assert!(classes("svc/api.openapi.yml").has(FileClass::OpenApiSpec));
        assert!(!classes("openapi.txt").has(FileClass::OpenApiSpec));
        assert!(classes("reports/Trivy-results.json").has(FileClass::VulnerabilityReport));
        assert!(!classes("package.json").has(FileClass::VulnerabilityReport));
        assert!(!classes("scan.txt").has(FileClass::VulnerabilityReport));
        assert!(classes("app/Main.PY").has(FileClass::Python));
        assert!(classes("web/a.d.ts").has(FileClass::JavaScript));
        assert!(classes("x.tsx").is_source() && classes("m.go").is_source());
        assert!(!classes("a.pyc").is_source() && !classes("Makefile").is_source());
    }
}
