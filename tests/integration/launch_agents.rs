//! Issue 16, launching Claude Code through the runner and the `switchboard-agent claude` wrapper:
//! the spec's MCP servers reach claude, and Continue resumes the very conversation
//! (`--resume <id>`). Claude Code needs a model, so `claude` is a stand-in
//! (tests/launch/claude_stand_in.py) that follows its documented contract: `--mcp-config`
//! files, `--settings` hooks, the SessionStart event.

use std::path::PathBuf;

use switchboard::proto::*;

use crate::harness::*;
use crate::launch::*;

fn stand_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/launch/claude_stand_in.py")
}

fn record(dir: &std::path::Path, session: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(format!("{session}.json")))
        .unwrap_or_else(|e| panic!("the stand-in's record of {session}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn claude_gets_the_specs_mcp_servers_and_continue_resumes_its_conversation() {
    let app = TestApp::spawn_with(fast).await;
    let mut kai = app.user("kai@example.com").await;
    let mut launcher = launcher(&app, &kai).await;
    let records = tempfile::tempdir().unwrap();
    let runner = RunnerProc::start_with_env(
        &app,
        &mut launcher,
        "laptop",
        1,
        vec![(
            "SWITCHBOARD_CLAUDE_BIN".into(),
            stand_in().display().to_string(),
        )],
    )
    .await;
    let spec = SessionSpec {
        agent: AgentKind::ClaudeCode as i32,
        prompt: "Fix the flaky test".into(),
        env: [(
            "STAND_IN_RECORD_DIR".to_owned(),
            records.path().display().to_string(),
        )]
        .into(),
        mcp_servers: vec![
            McpServer {
                name: "docs".into(),
                command: vec!["docs-mcp".into(), "--stdio".into()],
                env: [("DOCS_TOKEN".to_owned(), "t-1".to_owned())].into(),
                url: String::new(),
            },
            McpServer {
                name: "search".into(),
                command: Vec::new(),
                env: Default::default(),
                url: "https://mcp.example.com/mcp".into(),
            },
        ],
        ..Default::default()
    };
    let first = launch(&mut launcher, spec).await;
    until(&mut kai, &first.id, "the first run completes", |s| {
        status(s) == SessionStatus::Completed
    })
    .await;
    let got = record(records.path(), &first.id);
    let configs = got["mcp_configs"].as_array().unwrap();
    assert_eq!(configs.len(), 2, "the wrapper's and the spec's: {got}");
    assert!(configs[0]["mcpServers"]["switchboard"].is_object());
    assert_eq!(
        configs[1]["mcpServers"]["docs"],
        serde_json::json!({"type": "stdio", "command": "docs-mcp", "args": ["--stdio"], "env": {"DOCS_TOKEN": "t-1"}})
    );
    assert_eq!(
        configs[1]["mcpServers"]["search"],
        serde_json::json!({"type": "http", "url": "https://mcp.example.com/mcp"})
    );
    let conversation = got["session_id"].as_str().unwrap().to_owned();
    // The hook ran in the launched session: its step names Claude's session.
    let first_steps = steps(&mut kai, &first.id).await;
    assert!(
        first_steps.iter().any(|s| s.contains(&conversation)),
        "{first_steps:?}"
    );

    let second = launcher
        .continue_session(ContinueSessionRequest {
            session_id: first.id.clone(),
            request_id: rid(),
            prompt: "Now add a regression test".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    until(&mut kai, &second.id, "the continuation completes", |s| {
        status(s) == SessionStatus::Completed
    })
    .await;
    let again = record(records.path(), &second.id);
    let argv: Vec<&str> = again["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = argv
        .iter()
        .position(|a| *a == "--resume")
        .expect("--resume");
    assert_eq!(
        argv[at + 1],
        conversation,
        "the same conversation: {argv:?}"
    );
    assert!(!argv.contains(&"--continue"));
    assert_eq!(argv.last(), Some(&"Now add a regression test"));
    // The run's MCP file is gone with the run (it may hold tokens). The runner removes a run's
    // files once the server has its exit report, which may be just after the session is seen
    // COMPLETED.
    let runs = runner.root.join(".switchboard-runs");
    eventually("the run's MCP file is removed", || {
        let runs = runs.clone();
        async move {
            let leftovers: Vec<_> = std::fs::read_dir(&runs)
                .map(|d| d.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default();
            !leftovers
                .iter()
                .any(|n| n.to_string_lossy().ends_with(".mcp.json"))
        }
    })
    .await;
}
