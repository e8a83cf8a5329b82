//! Unified diff validation and counting.

use super::{DomainError, DomainResult};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffCounts {
    pub files_changed: i32,
    pub additions: i32,
    pub deletions: i32,
}

/// Checks that `diff` looks like a unified diff (as `git diff` or `diff -u` prints it) and
/// counts files and lines. An empty diff (a clean tree) is valid.
pub fn analyze(diff: &str, max_bytes: usize) -> DomainResult<DiffCounts> {
    if diff.len() > max_bytes {
        return Err(DomainError::invalid(
            "diff",
            format!("is {} bytes; the limit is {max_bytes} bytes", diff.len()),
        ));
    }
    if let Some(at) = diff.find('\0') {
        // Postgres text cannot hold NUL, and git prints binary files as "Binary files differ".
        return Err(DomainError::invalid(
            "diff",
            format!(
                "contains a NUL character at byte {at}; send binary changes as git prints them (\"Binary files ... differ\"), not their bytes"
            ),
        ));
    }
    let mut counts = DiffCounts::default();
    if diff.trim().is_empty() {
        return Ok(counts);
    }
    let mut saw_hunk = false;
    let saw_git_header = diff.lines().any(|l| l.starts_with("diff --git "));
    // Lines still expected in the current hunk (old side, new side), from its `@@` header:
    // inside a hunk, "--- x" and "+++ x" are content, not file headers.
    let (mut old_left, mut new_left) = (0u64, 0u64);
    for line in diff.lines() {
        if old_left > 0 || new_left > 0 {
            match line.as_bytes().first() {
                Some(b'+') => {
                    counts.additions += 1;
                    new_left = new_left.saturating_sub(1);
                }
                Some(b'-') => {
                    counts.deletions += 1;
                    old_left = old_left.saturating_sub(1);
                }
                Some(b'\\') => {} // "\ No newline at end of file"
                _ => {
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                }
            }
            continue;
        }
        if line.starts_with("diff --git ") || (line.starts_with("+++ ") && !saw_git_header) {
            counts.files_changed += 1;
        } else if let Some((old, new)) = hunk_header(line) {
            saw_hunk = true;
            (old_left, new_left) = (old, new);
        }
    }
    // A git diff of only renames, mode changes or binaries has file headers but no hunks.
    if !saw_hunk && counts.files_changed == 0 {
        return Err(DomainError::invalid(
            "diff",
            "is not a unified diff: expected `diff --git` headers or `@@` hunks (send the output of `git diff`)",
        ));
    }
    Ok(counts)
}

/// The line counts of a hunk header `@@ -a[,b] +c[,d] @@ ...` (a count defaults to 1).
fn hunk_header(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let count = |r: &str| -> Option<u64> {
        match r.split_once(',') {
            Some((_, n)) => n.parse().ok(),
            None => r.parse::<u64>().ok().map(|_| 1),
        }
    };
    Some((count(old)?, count(new)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT_DIFF: &str = "diff --git a/src/a.rs b/src/a.rs\nindex 1..2 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1,2 +1,3 @@\n fn a() {}\n-fn b() {}\n+fn b() { todo!() }\n+// new\ndiff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n--- old title\n+++ new title\n";

    #[test]
    fn counts_files_and_lines() {
        let c = analyze(GIT_DIFF, 1 << 20).unwrap();
        assert_eq!(
            c,
            DiffCounts {
                files_changed: 2,
                additions: 3,
                deletions: 2
            }
        );
    }

    #[test]
    fn empty_is_a_clean_tree() {
        assert_eq!(analyze("", 10).unwrap(), DiffCounts::default());
    }

    #[test]
    fn rejects_prose_and_oversize() {
        assert!(analyze("hello world\nnot a diff\n", 1 << 20).is_err());
        let err = analyze(GIT_DIFF, 10).unwrap_err().to_string();
        assert!(err.contains("limit is 10 bytes"), "{err}");
    }
}
