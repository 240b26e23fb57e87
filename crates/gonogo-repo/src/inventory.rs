//! The inventory: one walk of the repository per run, classified once, shared by every check.
//!
//! The walk is single-flight: the first caller walks (on tokio's blocking pool when it comes
//! from async code), concurrent first callers wait for that walk, later callers get it at once.

use crate::classify::{self, Classes, FileClass};
use crate::{RepoFile, RepoFiles, walk};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// What the repository holds, by kind of file: every file of one walk with the
/// [`Classes`] [`classify::classes`] gave it, in path order.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Every file of the walk, in path order; the inventory derefs to it.
    pub repo: RepoFiles,
    classes: Vec<Classes>,
}

impl Inventory {
    /// Classifies `files`.
    pub fn classify(files: RepoFiles) -> Self {
        let classes = files
            .files
            .iter()
            .map(|f| classify::classes(&f.rel))
            .collect();
        Inventory {
            repo: files,
            classes,
        }
    }

    /// Walks `root` (honouring `.gitignore`) and classifies what it finds.
    pub fn build(root: &Path) -> Self {
        Inventory::classify(walk(root, true))
    }

    /// Walks `root` *including* ignored files and classifies what it finds: test reports,
    /// coverage reports and local `.env` files are usually gitignored, yet they are exactly
    /// what some checks must read. Dependency and cache directories are left out
    /// (`node_modules`, virtualenvs, `__pycache__`, and any directory holding a
    /// `CACHEDIR.TAG`, such as Cargo's `target/`), and so is `.git/`.
    pub fn build_including_ignored(root: &Path) -> Self {
        Inventory::classify(walk(root, false))
    }

    /// Every file with its classes, in path order.
    pub fn classified(&self) -> impl Iterator<Item = (&RepoFile, Classes)> {
        self.repo.files.iter().zip(self.classes.iter().copied())
    }

    /// The files of one class, in path order.
    pub fn of(&self, class: FileClass) -> impl Iterator<Item = &RepoFile> {
        self.classified()
            .filter(move |(_, c)| c.has(class))
            .map(|(f, _)| f)
    }

    /// Compose files, overlays included ([`classify::is_compose_file`]).
    pub fn compose_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Compose)
    }
    /// Compose overlays only (`docker-compose.override.yml`, …).
    pub fn compose_overlays(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::ComposeOverlay)
    }
    /// YAML files that may hold Kubernetes manifests.
    pub fn manifest_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Manifest)
    }
    /// Helm charts' `Chart.yaml`.
    pub fn helm_charts(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::HelmChart)
    }
    pub fn dockerfiles(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Dockerfile)
    }
    /// Env files, templates included.
    pub fn env_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::EnvFile)
    }
    /// Env templates only (`.env.example`, …).
    pub fn env_templates(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::EnvTemplate)
    }
    pub fn ci_workflows(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::CiWorkflow)
    }
    pub fn dependency_manifests(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::DependencyManifest)
    }
    /// Pip requirements files (also dependency manifests).
    pub fn requirements_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::RequirementsFile)
    }
    pub fn lockfiles(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Lockfile)
    }
    pub fn migrations(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Migration)
    }
    pub fn docs(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Doc)
    }
    /// `.yml` and `.yaml` files.
    pub fn yaml_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.of(FileClass::Yaml)
    }
}

impl std::ops::Deref for Inventory {
    type Target = RepoFiles;
    fn deref(&self) -> &RepoFiles {
        &self.repo
    }
}

/// A value computed once, single-flight: concurrent first callers wait for one computation.
#[derive(Debug)]
struct Once<T>(OnceLock<Arc<T>>);

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once(OnceLock::new())
    }
}

impl<T: Send + Sync + 'static> Once<T> {
    fn get_blocking(&self, init: impl FnOnce() -> T) -> Arc<T> {
        // Shared by every check: the caller's deadline does not cut it short.
        self.0
            .get_or_init(|| Arc::new(crate::read::with_deadline(None, init)))
            .clone()
    }

    /// From async code: ready values at once; otherwise the computation (or the wait for
    /// another caller's) runs on the blocking pool, never on the runtime thread.
    async fn get(this: Arc<Self>, init: impl FnOnce() -> T + Send + 'static) -> Arc<T> {
        if let Some(v) = this.0.get() {
            return v.clone();
        }
        match tokio::task::spawn_blocking(move || this.get_blocking(init)).await {
            Ok(v) => v,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

/// The run's inventory: held in the run's cache, computed on first use.
#[derive(Debug, Default)]
pub struct InventoryCell(Arc<Once<Inventory>>);

impl InventoryCell {
    /// The inventory of `root`, walking it if nobody has yet (from async code).
    pub async fn get(&self, root: PathBuf) -> Arc<Inventory> {
        Once::get(self.0.clone(), move || Inventory::build(&root)).await
    }

    /// The same, for code already on a blocking thread.
    pub fn get_blocking(&self, root: &Path) -> Arc<Inventory> {
        self.0.get_blocking(|| Inventory::build(root))
    }
}

/// The run's inventory of the walk that includes ignored files
/// ([`Inventory::build_including_ignored`]), single-flight like [`InventoryCell`].
#[derive(Debug, Default)]
pub struct IgnoredIncludedCell(Arc<Once<Inventory>>);

impl IgnoredIncludedCell {
    pub async fn get(&self, root: PathBuf) -> Arc<Inventory> {
        Once::get(self.0.clone(), move || {
            Inventory::build_including_ignored(&root)
        })
        .await
    }

    pub fn get_blocking(&self, root: &Path) -> Arc<Inventory> {
        self.0
            .get_blocking(|| Inventory::build_including_ignored(root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        dir
    }

    #[test]
    fn files_are_classified_once() {
        let dir = repo(&[
            "docker-compose.yml",
            "docker-compose.override.yml",
            "k8s/deploy.yaml",
            "charts/app/Chart.yaml",
            "Dockerfile",
            ".env",
            ".env.example",
            ".github/workflows/ci.yml",
            "package.json",
            "package-lock.json",
            "migrations/0001_init.sql",
            "README.md",
            "requirements-dev.txt",
            "charts/app/values-prod.yaml",
        ]);
        let inv = Inventory::build(dir.path());
        let rels =
            |it: &mut dyn Iterator<Item = &RepoFile>| it.map(|f| f.rel.clone()).collect::<Vec<_>>();
        assert_eq!(
            rels(&mut inv.compose_files()),
            ["docker-compose.override.yml", "docker-compose.yml"]
        );
        assert_eq!(
            rels(&mut inv.compose_overlays()),
            ["docker-compose.override.yml"]
        );
        assert_eq!(
            rels(&mut inv.manifest_files()),
            [
                "charts/app/Chart.yaml",
                "charts/app/values-prod.yaml",
                "k8s/deploy.yaml"
            ]
        );
        assert_eq!(rels(&mut inv.helm_charts()), ["charts/app/Chart.yaml"]);
        assert_eq!(rels(&mut inv.dockerfiles()), ["Dockerfile"]);
        assert_eq!(rels(&mut inv.env_files()), [".env", ".env.example"]);
        assert_eq!(rels(&mut inv.env_templates()), [".env.example"]);
        assert_eq!(rels(&mut inv.ci_workflows()), [".github/workflows/ci.yml"]);
        assert_eq!(
            rels(&mut inv.dependency_manifests()),
            ["package.json", "requirements-dev.txt"]
        );
        assert_eq!(
            rels(&mut inv.requirements_files()),
            ["requirements-dev.txt"]
        );
        assert_eq!(
            rels(&mut inv.of(FileClass::HelmValues)),
            ["charts/app/values-prod.yaml"]
        );
        assert_eq!(rels(&mut inv.lockfiles()), ["package-lock.json"]);
        assert_eq!(rels(&mut inv.migrations()), ["migrations/0001_init.sql"]);
        assert_eq!(rels(&mut inv.docs()), ["README.md"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_callers_share_one_walk() {
        let dir = repo(&["a.txt", "b/c.txt"]);
        let cell = Arc::new(InventoryCell::default());
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let cell = cell.clone();
                let root = dir.path().to_path_buf();
                tokio::spawn(async move { cell.get(root).await })
            })
            .collect();
        let mut got = Vec::new();
        for c in calls {
            got.push(c.await.unwrap());
        }
        assert!(got.iter().all(|g| Arc::ptr_eq(g, &got[0])), "one walk");
        assert_eq!(got[0].files.len(), 2);
        let again = cell.get_blocking(dir.path());
        assert!(Arc::ptr_eq(&again, &got[0]));
    }

    #[test]
    fn the_ignored_included_walk_classifies_ignored_env_files() {
        let dir = repo(&[".gitignore", "api/.env", "Dockerfile"]);
        std::fs::write(dir.path().join(".gitignore"), ".env\n").unwrap();
        let honoured = Inventory::build(dir.path());
        assert_eq!(honoured.env_files().count(), 0);
        let all = Inventory::build_including_ignored(dir.path());
        let envs: Vec<_> = all.env_files().map(|f| f.rel.as_str()).collect();
        assert_eq!(envs, ["api/.env"]);
        assert_eq!(all.dockerfiles().count(), 1);
    }
}
