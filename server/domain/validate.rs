//! Field rules and the validated commands the API hands to the store. Every limit lives here so
//! that the proto comments, the errors and the checks agree.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use uuid::Uuid;

use super::{
    ApprovalDecision, ApprovalPreview, ChoiceMode, DomainError, DomainResult, PreviewDetail,
    Question, QuestionOption,
};

pub const MAX_TEXT_CHARS: usize = 16_384;
pub const MAX_AGENT_NAME_CHARS: usize = 100;
pub const MAX_SESSION_NAME_CHARS: usize = 200;
pub const MAX_KEY_NAME_CHARS: usize = 100;
pub const MAX_REQUEST_ID_CHARS: usize = 128;
pub const MAX_METADATA_ENTRIES: usize = 32;
pub const MAX_METADATA_KEY_CHARS: usize = 64;
pub const MAX_METADATA_VALUE_CHARS: usize = 1_024;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION_ID_CHARS: usize = 64;
pub const MAX_OPTION_LABEL_CHARS: usize = 200;
pub const MAX_OPTION_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_REASON_CHARS: usize = 2_000;
pub const MIN_QUESTION_TIMEOUT: Duration = Duration::from_secs(1);
pub const MAX_QUESTION_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);
pub const MAX_TOOL_NAME_CHARS: usize = 200;
/// A tool's input (and an edited input), in bytes of JSON text.
pub const MAX_TOOL_INPUT_BYTES: usize = 256 * 1024;
pub const MAX_TOOL_USE_ID_CHARS: usize = 256;
pub const MAX_PREVIEW_SUMMARY_CHARS: usize = 280;
pub const MAX_PREVIEW_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_PREVIEW_PATH_CHARS: usize = 4_096;
pub const MAX_PREVIEW_DIFF_BYTES: usize = 256 * 1024;
pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;
/// A new password's length in characters. The upper bound is the most Login reads, so every
/// password that can be set can also be used to sign in.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 1_024;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A required string of 1..=max characters (surrounding whitespace is not content).
pub fn required_text(field: &'static str, value: &str, max: usize) -> DomainResult<String> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid(
            field,
            "is required and must not be blank",
        ));
    }
    optional_text(field, value, max)
}

/// An optional string of at most max characters.
pub fn optional_text(field: &'static str, value: &str, max: usize) -> DomainResult<String> {
    let n = chars(value);
    if n > max {
        return Err(DomainError::invalid(
            field,
            format!("is {n} characters; the limit is {max}"),
        ));
    }
    if value.contains('\0') {
        return Err(DomainError::invalid(
            field,
            "must not contain NUL characters",
        ));
    }
    Ok(value.to_owned())
}

/// A client's value quoted in an error message, cut short: the message travels in a header,
/// and echoing 20,000 characters back would exceed what an HTTP/2 peer accepts there.
pub fn shown(value: &str) -> String {
    const MAX: usize = 64;
    if value.chars().count() <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}... ({} characters)", value.chars().count())
    }
}

pub fn uuid(field: &'static str, value: &str) -> DomainResult<Uuid> {
    if value.is_empty() {
        return Err(DomainError::invalid(field, "is required (a UUID)"));
    }
    Uuid::parse_str(value)
        .map_err(|_| DomainError::invalid(field, format!("must be a UUID, got {}", shown(value))))
}

pub fn request_id(value: &str) -> DomainResult<String> {
    if value.is_empty() {
        return Err(DomainError::invalid(
            "request_id",
            "is required: send a unique id per logical call (e.g. a UUID) and reuse it on retries",
        ));
    }
    optional_text("request_id", value, MAX_REQUEST_ID_CHARS)
}

/// The rule for a password being set. Signing in checks only what it must read (a non-blank
/// password of at most `MAX_PASSWORD_CHARS`), never this rule, so a failed login does not
/// reveal it; but every password that passes here also passes Login's checks.
pub fn password(value: &str) -> DomainResult<String> {
    let password = required_text("password", value, MAX_PASSWORD_CHARS)?;
    let n = chars(&password);
    if n < MIN_PASSWORD_CHARS {
        return Err(DomainError::invalid(
            "password",
            format!("is {n} characters; use at least {MIN_PASSWORD_CHARS}"),
        ));
    }
    Ok(password)
}

/// Optional request id (dashboard writes): empty means none.
pub fn optional_request_id(value: &str) -> DomainResult<Option<String>> {
    if value.is_empty() {
        Ok(None)
    } else {
        request_id(value).map(Some)
    }
}

pub fn agent_name(value: &str) -> DomainResult<String> {
    let name = required_text("agent_name", value.trim(), MAX_AGENT_NAME_CHARS)?;
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'))
    {
        return Err(DomainError::invalid(
            "agent_name",
            "may contain only letters, digits, spaces and . _ -",
        ));
    }
    Ok(name)
}

pub fn metadata(
    map: &std::collections::HashMap<String, String>,
) -> DomainResult<BTreeMap<String, String>> {
    if map.len() > MAX_METADATA_ENTRIES {
        return Err(DomainError::invalid(
            "metadata",
            format!(
                "has {} entries; the limit is {MAX_METADATA_ENTRIES}",
                map.len()
            ),
        ));
    }
    let mut out = BTreeMap::new();
    for (k, v) in map {
        required_text("metadata key", k, MAX_METADATA_KEY_CHARS).map_err(|_| {
            DomainError::invalid(
                "metadata",
                format!(
                    "key {} must be 1..{MAX_METADATA_KEY_CHARS} characters",
                    shown(k)
                ),
            )
        })?;
        optional_text("metadata value", v, MAX_METADATA_VALUE_CHARS).map_err(|_| {
            DomainError::invalid(
                "metadata",
                format!(
                    "value of {} exceeds {MAX_METADATA_VALUE_CHARS} characters",
                    shown(k)
                ),
            )
        })?;
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// Page size: 0 means the default, negatives are refused, large values are capped.
pub fn page_size(value: i32) -> DomainResult<i64> {
    match value {
        v if v < 0 => Err(DomainError::invalid("page_size", "must not be negative")),
        0 => Ok(DEFAULT_PAGE_SIZE),
        v => Ok(i64::from(v).min(MAX_PAGE_SIZE)),
    }
}

/// A question as the agent asked it, validated.
#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub text: String,
    pub options: Vec<QuestionOption>,
    pub choice_mode: ChoiceMode,
    pub allow_free_text: bool,
    pub timeout: Option<Duration>,
    pub default_option_ids: Vec<String>,
    pub default_text: String,
}

impl NewQuestion {
    pub fn validate(mut self) -> DomainResult<Self> {
        self.text = required_text("text", &self.text, MAX_TEXT_CHARS)?;
        if self.options.len() > MAX_OPTIONS {
            return Err(DomainError::invalid(
                "options",
                format!(
                    "has {} options; the limit is {MAX_OPTIONS}",
                    self.options.len()
                ),
            ));
        }
        let mut ids = HashSet::new();
        for o in &self.options {
            if o.id.is_empty()
                || chars(&o.id) > MAX_OPTION_ID_CHARS
                || !o
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                return Err(DomainError::invalid(
                    "options.id",
                    format!(
                        "{} must be 1..{MAX_OPTION_ID_CHARS} characters of A-Z a-z 0-9 _ . -",
                        shown(&o.id)
                    ),
                ));
            }
            if !ids.insert(o.id.as_str()) {
                return Err(DomainError::invalid(
                    "options.id",
                    format!("{:?} is used twice", o.id),
                ));
            }
            required_text("options.label", &o.label, MAX_OPTION_LABEL_CHARS)?;
            optional_text(
                "options.description",
                &o.description,
                MAX_OPTION_DESCRIPTION_CHARS,
            )?;
        }
        if self.options.is_empty() {
            self.allow_free_text = true;
            self.choice_mode = ChoiceMode::Single;
        }
        if let Some(t) = self.timeout {
            if t < MIN_QUESTION_TIMEOUT || t > MAX_QUESTION_TIMEOUT {
                return Err(DomainError::invalid(
                    "timeout",
                    "must be between 1 second and 7 days",
                ));
            }
        }
        self.default_text = optional_text("default_text", &self.default_text, MAX_TEXT_CHARS)?;
        let has_default = !self.default_option_ids.is_empty() || !self.default_text.is_empty();
        if self.timeout.is_none() && has_default {
            return Err(DomainError::invalid(
                "default_option_ids",
                "a default answer needs a timeout",
            ));
        }
        if self.timeout.is_some() {
            if !has_default {
                return Err(DomainError::invalid(
                    "default_option_ids",
                    "a timeout needs a default answer (default_option_ids, or default_text where free text is allowed)",
                ));
            }
            check_choice(
                &self.options,
                self.choice_mode,
                self.allow_free_text,
                &self.default_option_ids,
                &self.default_text,
                "default_option_ids",
            )?;
        }
        Ok(self)
    }
}

/// A JSON object as text, at most `MAX_TOOL_INPUT_BYTES`: a tool's input, or an edited one.
pub fn json_object(field: &'static str, value: &str) -> DomainResult<String> {
    if value.len() > MAX_TOOL_INPUT_BYTES {
        return Err(DomainError::invalid(
            field,
            format!(
                "is {} bytes; the limit is {MAX_TOOL_INPUT_BYTES} (256 KiB)",
                value.len()
            ),
        ));
    }
    let nul = || DomainError::invalid(field, "must not contain NUL characters");
    if value.contains('\0') {
        return Err(nul());
    }
    match serde_json::from_str::<serde_json::Value>(value) {
        // NUL is refused like in every other text field, also when escaped (`\u0000`): the
        // agent side hands the decoded input to tools that take C strings.
        Ok(v @ serde_json::Value::Object(_)) if has_nul(&v) => Err(nul()),
        Ok(serde_json::Value::Object(_)) => Ok(value.to_owned()),
        Ok(other) => Err(DomainError::invalid(
            field,
            format!(
                "must be a JSON object ({{...}}), got a JSON {}",
                json_kind(&other)
            ),
        )),
        Err(e) => Err(DomainError::invalid(
            field,
            format!("is not valid JSON: {e}"),
        )),
    }
}

fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(has_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Text limited in bytes rather than characters (a diff), NUL refused.
fn optional_bytes(field: &'static str, value: &str, max: usize) -> DomainResult<String> {
    if value.len() > max {
        return Err(DomainError::invalid(
            field,
            format!("is {} bytes; the limit is {max}", value.len()),
        ));
    }
    optional_text(field, value, usize::MAX)
}

/// A tool approval as the agent asked for it, validated.
#[derive(Debug, Clone)]
pub struct NewApproval {
    pub tool_name: String,
    pub input_json: String,
    pub preview: ApprovalPreview,
    pub tool_use_id: String,
    pub input_editable: bool,
    pub timeout: Option<Duration>,
    pub default_decision: ApprovalDecision,
}

impl NewApproval {
    /// `default_decision` is None when the request left it unspecified.
    #[allow(clippy::too_many_arguments)]
    pub fn validate(
        tool_name: &str,
        input_json: &str,
        preview: Option<ApprovalPreview>,
        tool_use_id: &str,
        input_editable: bool,
        timeout: Option<Duration>,
        default_decision: Option<ApprovalDecision>,
    ) -> DomainResult<NewApproval> {
        let tool_name = required_text("tool_name", tool_name, MAX_TOOL_NAME_CHARS)?;
        let input_json = json_object("input_json", input_json)?;
        let preview = preview.ok_or_else(|| {
            DomainError::invalid(
                "preview",
                "is required: at least a one-line summary of the tool call",
            )
        })?;
        let preview = validate_preview(preview)?;
        let tool_use_id = optional_text("tool_use_id", tool_use_id, MAX_TOOL_USE_ID_CHARS)?;
        if let Some(t) = timeout {
            if t < MIN_QUESTION_TIMEOUT || t > MAX_QUESTION_TIMEOUT {
                return Err(DomainError::invalid(
                    "timeout",
                    "must be between 1 second and 7 days",
                ));
            }
        }
        let default_decision = match default_decision {
            None | Some(ApprovalDecision::Deny) => ApprovalDecision::Deny,
            Some(ApprovalDecision::AllowOnce) if timeout.is_none() => {
                return Err(DomainError::invalid(
                    "default_decision",
                    "ALLOW_ONCE applies when the timeout passes: set a timeout too",
                ));
            }
            Some(ApprovalDecision::AllowOnce) => ApprovalDecision::AllowOnce,
            Some(ApprovalDecision::AllowSession) => {
                return Err(DomainError::invalid(
                    "default_decision",
                    "must be DENY or ALLOW_ONCE: only a person can allow a tool for the whole session",
                ));
            }
        };
        Ok(NewApproval {
            tool_name,
            input_json,
            preview,
            tool_use_id,
            input_editable,
            timeout,
            default_decision,
        })
    }
}

fn validate_preview(p: ApprovalPreview) -> DomainResult<ApprovalPreview> {
    let summary = required_text("preview.summary", &p.summary, MAX_PREVIEW_SUMMARY_CHARS)?;
    let detail = match p.detail {
        None => None,
        Some(PreviewDetail::ShellCommand {
            command,
            description,
            working_directory,
        }) => Some(PreviewDetail::ShellCommand {
            command: optional_text("preview.shell_command.command", &command, MAX_TEXT_CHARS)?,
            description: optional_text(
                "preview.shell_command.description",
                &description,
                MAX_PREVIEW_DESCRIPTION_CHARS,
            )?,
            working_directory: optional_text(
                "preview.shell_command.working_directory",
                &working_directory,
                MAX_PREVIEW_PATH_CHARS,
            )?,
        }),
        Some(PreviewDetail::FileChange { path, unified_diff }) => Some(PreviewDetail::FileChange {
            path: required_text("preview.file_change.path", &path, MAX_PREVIEW_PATH_CHARS)?,
            unified_diff: optional_bytes(
                "preview.file_change.unified_diff",
                &unified_diff,
                MAX_PREVIEW_DIFF_BYTES,
            )?,
        }),
        Some(PreviewDetail::Url { url, description }) => Some(PreviewDetail::Url {
            url: required_text("preview.url.url", &url, MAX_PREVIEW_PATH_CHARS)?,
            description: optional_text(
                "preview.url.description",
                &description,
                MAX_PREVIEW_DESCRIPTION_CHARS,
            )?,
        }),
    };
    Ok(ApprovalPreview { summary, detail })
}

/// A decision as a person (DecideApproval) or the agent's terminal (ResolveApproval) gives it.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub decision: ApprovalDecision,
    pub reason: String,
    /// Empty: run the input as requested. Whether the approval allows an edit is checked
    /// against the stored approval.
    pub updated_input_json: String,
}

impl NewDecision {
    pub fn validate(
        decision: Option<ApprovalDecision>,
        reason: &str,
        updated_input_json: &str,
    ) -> DomainResult<NewDecision> {
        let decision = decision.ok_or_else(|| {
            DomainError::invalid("decision", "is required: ALLOW_ONCE, ALLOW_SESSION or DENY")
        })?;
        let reason = optional_text("reason", reason, MAX_REASON_CHARS)?;
        let updated_input_json = if updated_input_json.is_empty() {
            String::new()
        } else {
            if !decision.is_allow() {
                return Err(DomainError::invalid(
                    "updated_input_json",
                    "goes only with an allow: a denied call runs no input",
                ));
            }
            json_object("updated_input_json", updated_input_json)?
        };
        Ok(NewDecision {
            decision,
            reason,
            updated_input_json,
        })
    }
}

/// A person's answer to `question`: its options and free text as the question allows.
pub fn check_answer(question: &Question, option_ids: &[String], text: &str) -> DomainResult<()> {
    check_choice(
        &question.options,
        question.choice_mode,
        question.allow_free_text,
        option_ids,
        text,
        "option_ids",
    )
}

/// Checks an answer (or a default answer) against a question's options and rules.
pub fn check_choice(
    options: &[QuestionOption],
    mode: ChoiceMode,
    allow_free_text: bool,
    option_ids: &[String],
    text: &str,
    field: &'static str,
) -> DomainResult<()> {
    optional_text("text", text, MAX_TEXT_CHARS)?;
    if !text.is_empty() && !allow_free_text {
        return Err(DomainError::invalid(
            "text",
            "this question does not accept free text; pick option ids",
        ));
    }
    let mut seen = HashSet::new();
    for id in option_ids {
        if !options.iter().any(|o| &o.id == id) {
            return Err(DomainError::invalid(
                field,
                format!("{} is not one of the question's options", shown(id)),
            ));
        }
        if !seen.insert(id) {
            return Err(DomainError::invalid(
                field,
                format!("{} is chosen twice", shown(id)),
            ));
        }
    }
    if mode == ChoiceMode::Single && option_ids.len() > 1 {
        return Err(DomainError::invalid(
            field,
            "this is a single-choice question: pick at most one option",
        ));
    }
    if option_ids.is_empty() && text.trim().is_empty() {
        return Err(DomainError::invalid(
            field,
            "the answer is empty: pick an option or write text",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(id: &str) -> QuestionOption {
        QuestionOption {
            id: id.into(),
            label: format!("Label {id}"),
            description: String::new(),
        }
    }

    /// The refusal quotes the key cut short: echoed whole, a 20,000-character key made a
    /// `grpc-message` header larger than the client accepts, and the client saw INTERNAL
    /// (found by `bad_input::generated_garbage_never_gets_a_server_fault`).
    #[test]
    fn a_huge_metadata_key_is_refused_without_echoing_it_whole() {
        let huge = "x".repeat(20_000);
        for map in [
            [(huge.clone(), String::new())],
            [("k".repeat(64), "v".repeat(MAX_METADATA_VALUE_CHARS + 1))],
        ] {
            let err = metadata(&map.into_iter().collect())
                .unwrap_err()
                .to_string();
            assert!(err.len() < 300, "{} characters: {err:.80}", err.len());
        }
        let err = metadata(&[(huge, String::new())].into_iter().collect())
            .unwrap_err()
            .to_string();
        assert!(err.contains("(20000 characters)"), "{err}");
    }

    fn question() -> NewQuestion {
        NewQuestion {
            text: "Deploy?".into(),
            options: vec![opt("yes"), opt("no")],
            choice_mode: ChoiceMode::Single,
            allow_free_text: false,
            timeout: None,
            default_option_ids: vec![],
            default_text: String::new(),
        }
    }

    #[test]
    fn free_text_question_forces_free_text() {
        let q = NewQuestion {
            options: vec![],
            ..question()
        }
        .validate()
        .unwrap();
        assert!(q.allow_free_text);
    }

    #[test]
    fn rejects_duplicate_and_too_many_options() {
        let q = NewQuestion {
            options: vec![opt("a"), opt("a")],
            ..question()
        };
        assert!(q.validate().unwrap_err().to_string().contains("used twice"));
        let q = NewQuestion {
            options: (0..21).map(|i| opt(&i.to_string())).collect(),
            ..question()
        };
        assert!(
            q.validate()
                .unwrap_err()
                .to_string()
                .contains("limit is 20")
        );
    }

    #[test]
    fn timeout_needs_a_valid_default() {
        let q = NewQuestion {
            timeout: Some(Duration::from_secs(5)),
            ..question()
        };
        assert!(q.validate().is_err());
        let q = NewQuestion {
            timeout: Some(Duration::from_secs(5)),
            default_option_ids: vec!["maybe".into()],
            ..question()
        };
        assert!(q.validate().unwrap_err().to_string().contains("not one of"));
        let q = NewQuestion {
            timeout: Some(Duration::from_secs(5)),
            default_option_ids: vec!["no".into()],
            ..question()
        };
        assert!(q.validate().is_ok());
    }

    #[test]
    fn answers_respect_choice_mode_and_free_text() {
        let opts = [opt("a"), opt("b")];
        let two = vec!["a".to_string(), "b".to_string()];
        assert!(check_choice(&opts, ChoiceMode::Single, false, &two, "", "option_ids").is_err());
        assert!(check_choice(&opts, ChoiceMode::Multiple, false, &two, "", "option_ids").is_ok());
        assert!(check_choice(&opts, ChoiceMode::Single, false, &[], "hi", "option_ids").is_err());
        assert!(check_choice(&opts, ChoiceMode::Single, true, &[], "hi", "option_ids").is_ok());
        assert!(check_choice(&opts, ChoiceMode::Single, true, &[], " ", "option_ids").is_err());
    }

    #[test]
    fn text_limits_name_the_field() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let err = required_text("text", &long, MAX_TEXT_CHARS)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("text:") && err.contains("16384"), "{err}");
        assert!(page_size(-1).is_err());
        assert_eq!(page_size(0).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(10_000).unwrap(), MAX_PAGE_SIZE);
    }

    #[test]
    fn tool_inputs_are_json_objects_within_their_limit() {
        assert!(json_object("input_json", r#"{"command":"ls"}"#).is_ok());
        let err = json_object("input_json", "[1]").unwrap_err().to_string();
        assert!(
            err.starts_with("input_json:") && err.contains("array"),
            "{err}"
        );
        let err = json_object("input_json", "{").unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
        let err = json_object("input_json", r#"{"a":"\u0000"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("NUL"), "{err}");
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_TOOL_INPUT_BYTES));
        let err = json_object("input_json", &big).unwrap_err().to_string();
        assert!(err.contains("256 KiB"), "{err}");
    }

    #[test]
    fn decisions_need_a_decision_and_edit_only_with_an_allow() {
        assert!(NewDecision::validate(None, "", "").is_err());
        let err = NewDecision::validate(Some(ApprovalDecision::Deny), "", "{}")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("updated_input_json:"), "{err}");
        assert!(NewDecision::validate(Some(ApprovalDecision::AllowOnce), "", "{}").is_ok());
    }

    #[test]
    fn a_new_password_has_at_least_8_characters_and_can_sign_in() {
        assert!(password("12345678").is_ok());
        assert!(password("äöüßéèêë").is_ok(), "characters, not bytes");
        let err = password("1234567").unwrap_err().to_string();
        assert!(err.starts_with("password:") && err.contains('8'), "{err}");
        assert!(password("").is_err());
        // Login refuses blank, NUL-bearing and over-long passwords: none of them can be set.
        assert!(password("        ").is_err());
        assert!(password("1234\u{0}5678").is_err());
        assert!(password(&"x".repeat(MAX_PASSWORD_CHARS)).is_ok());
        assert!(password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }
}
