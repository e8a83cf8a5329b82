//! What a person needs to judge a Claude Code tool call on a phone: an `ApprovalPreview` built
//! from the tool's name and input (the input shapes of Claude Code's built-in tools, checked
//! against npm `@anthropic-ai/claude-code` 2.1.197 `sdk-tools.d.ts`).
//!
//! - `Bash` → the shell command (`command`, `description`) and where it runs;
//! - `Write` → a unified diff from the file on disk now (or `/dev/null`) to `content`;
//! - `Edit` (`old_string` → `new_string`, `replace_all`) and `MultiEdit` (`edits`) → the edits
//!   applied to the file when it is readable, else a diff of the strings alone;
//! - `WebFetch` → the URL and the prompt; `WebSearch` has no URL (a query), so a summary;
//! - any other tool (`mcp__*` included) → a summary; the raw input is in the approval anyway.
//!
//! Diffs come from `similar` (no dependencies of its own with its default features).

use std::path::Path;

use serde_json::Value;

use crate::proto::v1 as pb;

/// The contract's limits (model.proto), in characters.
const SUMMARY_MAX: usize = 280;
const COMMAND_MAX: usize = 16_384;
const DESCRIPTION_MAX: usize = 2_000;
const PATH_MAX: usize = 4_096;
const URL_MAX: usize = 4_096;
/// 256 KiB, in bytes; a diff is cut on a line boundary below it.
const DIFF_MAX_BYTES: usize = 256 * 1024;
/// Files larger than this are not read for a diff: the strings alone are shown instead.
const FILE_READ_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The preview of `tool_name` called with `input`; `cwd` is where the agent runs (may be empty).
pub fn build(tool_name: &str, input: &Value, cwd: &str) -> pb::ApprovalPreview {
    let s = |key: &str| input.get(key).and_then(Value::as_str).unwrap_or_default();
    let (summary, detail) = match tool_name {
        "Bash" => {
            let command = s("command");
            let description = s("description");
            let what = if description.is_empty() {
                first_line(command)
            } else {
                description
            };
            (
                format!("Run: {what}"),
                Some(pb::approval_preview::Detail::ShellCommand(
                    pb::ShellCommandPreview {
                        command: truncate(command, COMMAND_MAX),
                        description: truncate(description, DESCRIPTION_MAX),
                        working_directory: truncate(cwd, PATH_MAX),
                    },
                )),
            )
        }
        "Write" => {
            let path = s("file_path");
            let current = read_small(path);
            let (verb, old, old_label) = match &current {
                Some(text) => ("Overwrite", text.as_str(), path),
                None => ("Create", "", "/dev/null"),
            };
            let diff = unified_diff(old, s("content"), old_label, path);
            (format!("{verb} {path}"), file_change(path, diff))
        }
        "Edit" => {
            let path = s("file_path");
            let edits = [(
                s("old_string").to_owned(),
                s("new_string").to_owned(),
                input
                    .get("replace_all")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            )];
            (
                format!("Edit {path}"),
                file_change(path, edit_diff(path, &edits)),
            )
        }
        "MultiEdit" => {
            let path = s("file_path");
            let edits: Vec<(String, String, bool)> = input
                .get("edits")
                .and_then(Value::as_array)
                .map(|edits| {
                    edits
                        .iter()
                        .map(|e| {
                            let g = |k: &str| {
                                e.get(k)
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned()
                            };
                            let all = e.get("replace_all").and_then(Value::as_bool);
                            (g("old_string"), g("new_string"), all.unwrap_or(false))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let n = edits.len();
            (
                format!("Edit {path} ({n} change{})", if n == 1 { "" } else { "s" }),
                file_change(path, edit_diff(path, &edits)),
            )
        }
        "WebFetch" => {
            let url = s("url");
            let detail = (!url.is_empty()).then(|| {
                pb::approval_preview::Detail::Url(pb::UrlPreview {
                    url: truncate(url, URL_MAX),
                    description: truncate(s("prompt"), DESCRIPTION_MAX),
                })
            });
            (format!("Fetch {url}"), detail)
        }
        // A query, not a URL: a made-up search URL would show a person something the agent
        // will not open.
        "WebSearch" => (format!("Search the web: {}", s("query")), None),
        other => (other_summary(other, input), None),
    };
    pb::ApprovalPreview {
        summary: one_line_summary(&summary, tool_name),
        detail,
    }
}

fn file_change(path: &str, diff: String) -> Option<pb::approval_preview::Detail> {
    (!path.is_empty()).then(|| {
        pb::approval_preview::Detail::FileChange(pb::FileChangePreview {
            path: truncate(path, PATH_MAX),
            unified_diff: diff,
        })
    })
}

/// `mcp__github__create_issue` → "github: create_issue {…}"; others "Tool {…}".
fn other_summary(tool_name: &str, input: &Value) -> String {
    let args = if input.as_object().is_some_and(|o| o.is_empty()) {
        String::new()
    } else {
        format!(" {input}")
    };
    match tool_name
        .strip_prefix("mcp__")
        .and_then(|rest| rest.split_once("__"))
    {
        Some((server, tool)) => format!("{server}: {tool}{args}"),
        None => format!("{tool_name}{args}"),
    }
}

/// One line, 1..=280 characters, cut on a char boundary with an ellipsis.
fn one_line_summary(text: &str, fallback: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = if flat.is_empty() {
        fallback.to_owned()
    } else {
        flat
    };
    if flat.chars().count() <= SUMMARY_MAX {
        return flat;
    }
    let mut cut: String = flat.chars().take(SUMMARY_MAX - 1).collect();
    cut.push('…');
    cut
}

/// At most `max` characters, cut on a char boundary.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// The file's text when it exists, is UTF-8 and is small enough to diff.
fn read_small(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let path = Path::new(path);
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > FILE_READ_MAX_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The edits applied to the file on disk, as a diff; when the file cannot be read or an
/// `old_string` is not in it, the strings alone (what Claude Code will refuse or apply is its
/// business: the person sees what is asked).
fn edit_diff(path: &str, edits: &[(String, String, bool)]) -> String {
    if let Some(original) = read_small(path) {
        let mut text = original.clone();
        let applied = edits.iter().all(|(old, new, all)| {
            if old.is_empty() || !text.contains(old.as_str()) {
                return false;
            }
            text = if *all {
                text.replace(old.as_str(), new)
            } else {
                text.replacen(old.as_str(), new, 1)
            };
            true
        });
        if applied {
            return unified_diff(&original, &text, path, path);
        }
    }
    let old: String = edits.iter().map(|(o, _, _)| with_newline(o)).collect();
    let new: String = edits.iter().map(|(_, n, _)| with_newline(n)).collect();
    unified_diff(&old, &new, path, path)
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') || s.is_empty() {
        s.to_owned()
    } else {
        format!("{s}\n")
    }
}

/// A unified diff (3 lines of context), cut on a line boundary to the contract's 256 KiB.
pub fn unified_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string();
    if diff.len() <= DIFF_MAX_BYTES {
        return diff;
    }
    const NOTE: &str = "\\ diff cut here: too long for the preview\n";
    let budget = DIFF_MAX_BYTES - NOTE.len();
    let mut end = budget;
    while !diff.is_char_boundary(end) {
        end -= 1;
    }
    let cut = diff[..end].rfind('\n').map_or(0, |i| i + 1);
    format!("{}{NOTE}", &diff[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bash_is_a_shell_command() {
        let p = build(
            "Bash",
            &json!({"command": "cargo test\n--all", "description": "Run the tests"}),
            "/repo",
        );
        assert_eq!(p.summary, "Run: Run the tests");
        let Some(pb::approval_preview::Detail::ShellCommand(c)) = p.detail else {
            panic!("{p:?}")
        };
        assert_eq!(c.command, "cargo test\n--all");
        assert_eq!(c.working_directory, "/repo");
    }

    #[test]
    fn write_of_a_new_file_is_a_diff_from_dev_null() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.txt");
        let p = build(
            "Write",
            &json!({"file_path": path, "content": "hello\n"}),
            "",
        );
        assert!(p.summary.starts_with("Create "), "{}", p.summary);
        let Some(pb::approval_preview::Detail::FileChange(f)) = p.detail else {
            panic!()
        };
        assert!(
            f.unified_diff.contains("--- /dev/null"),
            "{}",
            f.unified_diff
        );
        assert!(f.unified_diff.contains("+hello"));
    }

    #[test]
    fn edit_is_applied_to_the_file_when_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "fn a() {}\nfn b() {}\nfn c() {}\n").unwrap();
        let input = json!({"file_path": path, "old_string": "fn b() {}", "new_string": "fn b() { todo!() }"});
        let p = build("Edit", &input, "");
        let Some(pb::approval_preview::Detail::FileChange(f)) = p.detail else {
            panic!()
        };
        assert!(f.unified_diff.contains("-fn b() {}\n+fn b() { todo!() }\n"));
        // The context comes from the file.
        assert!(f.unified_diff.contains(" fn a() {}"), "{}", f.unified_diff);

        let gone = json!({"file_path": "/no/such/file", "old_string": "x", "new_string": "y"});
        let Some(pb::approval_preview::Detail::FileChange(f)) = build("Edit", &gone, "").detail
        else {
            panic!()
        };
        assert!(f.unified_diff.contains("-x\n+y\n"), "{}", f.unified_diff);
    }

    #[test]
    fn multi_edit_applies_every_edit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.txt");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        let input = json!({"file_path": path, "edits": [
            {"old_string": "one", "new_string": "1"},
            {"old_string": "three", "new_string": "3"}]});
        let p = build("MultiEdit", &input, "");
        assert!(p.summary.ends_with("(2 changes)"), "{}", p.summary);
        let Some(pb::approval_preview::Detail::FileChange(f)) = p.detail else {
            panic!()
        };
        assert!(f.unified_diff.contains("+1\n") && f.unified_diff.contains("+3\n"));
    }

    #[test]
    fn urls_and_other_tools() {
        let p = build(
            "WebFetch",
            &json!({"url": "https://example.com", "prompt": "read it"}),
            "",
        );
        assert!(
            matches!(p.detail, Some(pb::approval_preview::Detail::Url(ref u)) if u.url == "https://example.com")
        );
        let p = build("WebSearch", &json!({"query": "rust 2024"}), "");
        assert_eq!(p.summary, "Search the web: rust 2024");
        let p = build("mcp__github__create_issue", &json!({"title": "x"}), "");
        assert_eq!(p.summary, r#"github: create_issue {"title":"x"}"#);
        assert!(p.detail.is_none());
    }

    #[test]
    fn summary_is_cut_on_a_char_boundary() {
        let long = "é".repeat(400);
        let p = build("Bash", &json!({"command": long}), "");
        assert_eq!(p.summary.chars().count(), 280);
        assert!(p.summary.ends_with('…'));
        assert_eq!(build("Bash", &json!({}), "").summary, "Run:");
        assert_eq!(truncate("héllo", 2), "hé");
    }

    #[test]
    fn huge_diffs_are_cut_on_a_line() {
        let new = "x".repeat(100) + "\n";
        let new = new.repeat(5_000);
        let d = unified_diff("", &new, "/dev/null", "f");
        assert!(d.len() <= DIFF_MAX_BYTES);
        assert!(d.ends_with("too long for the preview\n"));
    }
}
