//! The `git` family (`git.merged`, `git.tag`, `git.merge-order`); opening the repository is
//! `gonogo_repo::git`, shared with the kinds that ask which files git tracks.

pub mod merge_order;
pub mod merged;
pub mod tag;

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    /// A throwaway git repository built with the `git` command line (the checks read it with
    /// gitoxide), isolated from the user's and the system's git configuration.
    pub struct GitFixture {
        dir: tempfile::TempDir,
    }

    impl GitFixture {
        pub fn new() -> Self {
            let g = GitFixture {
                dir: tempfile::tempdir().expect("tempdir"),
            };
            g.git(&["init", "-q", "-b", "main"]);
            g
        }

        pub fn path(&self) -> &Path {
            self.dir.path()
        }

        pub fn git(&self, args: &[&str]) -> String {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(self.dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "Test")
                .env("GIT_AUTHOR_EMAIL", "test@example.com")
                .env("GIT_COMMITTER_NAME", "Test")
                .env("GIT_COMMITTER_EMAIL", "test@example.com")
                .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
                .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }

        /// An empty commit with `message` on the current branch.
        pub fn commit(&self, message: &str) {
            self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        }

        pub fn head(&self) -> String {
            self.git(&["rev-parse", "HEAD"])
        }
    }
}
