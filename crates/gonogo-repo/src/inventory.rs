//! The inventory: one walk of the repository per run, classified once, shared by every check.
//!
//! The walk is single-flight: the first caller walks (on tokio's blocking pool when it comes
//! from async code), concurrent first callers wait for that walk, later callers get it at once.

use crate::classify;
use crate::{AllFiles, RepoFile, RepoFiles, walk};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// What the repository holds, by kind of file. Every list holds indices into `files.files`,
/// in path order.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Every file git would see (`.gitignore` honoured), in path order; the inventory derefs
    /// to it.
    pub repo: RepoFiles,
    compose: Vec<usize>,
    manifests: Vec<usize>,
    helm_charts: Vec<usize>,
    dockerfiles: Vec<usize>,
    env_files: Vec<usize>,
    ci_workflows: Vec<usize>,
    dependency_manifests: Vec<usize>,
    lockfiles: Vec<usize>,
    migrations: Vec<usize>,
    docs: Vec<usize>,
}

impl Inventory {
    /// Classifies `files`.
    pub fn classify(files: RepoFiles) -> Self {
        let mut inv = Inventory::default();
        for (i, f) in files.files.iter().enumerate() {
            let name = f.name();
            let rel = f.rel.as_str();
            if classify::is_compose_file(name) {
                inv.compose.push(i);
            }
            if classify::looks_like_manifest_file(name, rel) {
                inv.manifests.push(i);
            }
            if classify::is_helm_chart(name) {
                inv.helm_charts.push(i);
            }
            if classify::is_dockerfile(name) {
                inv.dockerfiles.push(i);
            }
            if classify::is_env_file(name) {
                inv.env_files.push(i);
            }
            if classify::is_ci_workflow(rel) {
                inv.ci_workflows.push(i);
            }
            if classify::is_dependency_manifest(rel) {
                inv.dependency_manifests.push(i);
            }
            if classify::is_lockfile(name) {
                inv.lockfiles.push(i);
            }
            if classify::is_migration(rel) {
                inv.migrations.push(i);
            }
            if classify::is_doc_file(rel) {
                inv.docs.push(i);
            }
        }
        inv.repo = files;
        inv
    }

    /// Walks `root` (honouring `.gitignore`) and classifies what it finds.
    pub fn build(root: &Path) -> Self {
        Inventory::classify(walk(root, true))
    }

    fn pick<'a>(&'a self, list: &'a [usize]) -> impl Iterator<Item = &'a RepoFile> + 'a {
        list.iter().map(|&i| &self.repo.files[i])
    }

    /// Compose files, overlays included ([`classify::is_compose_file`]).
    pub fn compose_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.compose)
    }
    /// Compose overlays only (`docker-compose.override.yml`, …).
    pub fn compose_overlays(&self) -> impl Iterator<Item = &RepoFile> {
        self.compose_files()
            .filter(|f| classify::is_compose_overlay(f.name()))
    }
    /// YAML files that may hold Kubernetes manifests.
    pub fn manifest_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.manifests)
    }
    /// Helm charts' `Chart.yaml`.
    pub fn helm_charts(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.helm_charts)
    }
    pub fn dockerfiles(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.dockerfiles)
    }
    /// Env files, templates included.
    pub fn env_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.env_files)
    }
    /// Env templates only (`.env.example`, …).
    pub fn env_templates(&self) -> impl Iterator<Item = &RepoFile> {
        self.env_files()
            .filter(|f| classify::is_env_template(f.name()))
    }
    pub fn ci_workflows(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.ci_workflows)
    }
    pub fn dependency_manifests(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.dependency_manifests)
    }
    pub fn lockfiles(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.lockfiles)
    }
    pub fn migrations(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.migrations)
    }
    pub fn docs(&self) -> impl Iterator<Item = &RepoFile> {
        self.pick(&self.docs)
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
        self.0.get_or_init(|| Arc::new(init())).clone()
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

/// The run's walk that includes ignored files ([`AllFiles`]), single-flight like the inventory.
#[derive(Debug, Default)]
pub struct AllFilesCell(Arc<Once<AllFiles>>);

impl AllFilesCell {
    pub async fn get(&self, root: PathBuf) -> Arc<AllFiles> {
        Once::get(self.0.clone(), move || AllFiles(walk(&root, false))).await
    }

    pub fn get_blocking(&self, root: &Path) -> Arc<AllFiles> {
        self.0.get_blocking(|| AllFiles(walk(root, false)))
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
            ["charts/app/Chart.yaml", "k8s/deploy.yaml"]
        );
        assert_eq!(rels(&mut inv.helm_charts()), ["charts/app/Chart.yaml"]);
        assert_eq!(rels(&mut inv.dockerfiles()), ["Dockerfile"]);
        assert_eq!(rels(&mut inv.env_files()), [".env", ".env.example"]);
        assert_eq!(rels(&mut inv.env_templates()), [".env.example"]);
        assert_eq!(rels(&mut inv.ci_workflows()), [".github/workflows/ci.yml"]);
        assert_eq!(rels(&mut inv.dependency_manifests()), ["package.json"]);
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
}
