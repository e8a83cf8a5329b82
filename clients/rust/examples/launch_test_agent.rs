//! A small agent for the launch tests (a COMMAND agent): it resumes the session it was launched
//! for (SWITCHBOARD_SESSION_ID, with the per-session key in SWITCHBOARD_API_KEY), logs a step
//! naming its working directory and the files there, asks a question, waits for the answer on
//! the push path, logs it, and exits.
//!
//! Its first argument picks a behaviour: `ask` (default; exit 0 after the answer), `fail`
//! (prints lines and exits 3 without asking), `wait` (asks and waits until stopped: a question
//! nobody answers).

use switchboard_agent::client::{Client, ENV_AGENT_NAME, ENV_SESSION_ID, WaitOutcome};
use switchboard_agent::proto::v1 as pb;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ask".into());
    if mode == "fail" {
        for i in 1..=3 {
            println!("working on part {i}");
        }
        eprintln!("error: the build is broken");
        return std::process::ExitCode::from(3);
    }
    match run(&mode).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("launch_test_agent: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(mode: &str) -> Result<(), String> {
    let client = Client::from_env().map_err(|e| e.to_string())?;
    let session = client
        .start_session(pb::StartSessionRequest {
            session_id: std::env::var(ENV_SESSION_ID).unwrap_or_default(),
            agent_name: std::env::var(ENV_AGENT_NAME).unwrap_or_else(|_| "command".into()),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let mut files: Vec<String> = std::fs::read_dir(&cwd)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    files.sort();
    println!("started in {}", cwd.display());
    session
        .log_step(format!(
            "working in {} with {}",
            cwd.display(),
            files.join(",")
        ))
        .await
        .map_err(|e| e.to_string())?;
    let (_, outcome) = session
        .ask_and_wait(pb::AskQuestionRequest {
            text: "Proceed?".into(),
            options: vec![pb::QuestionOption {
                id: "yes".into(),
                label: "Yes".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    match outcome {
        WaitOutcome::Answered(answer) => {
            println!("answered {:?}", answer.option_ids);
            session
                .log_step(format!("the answer was {}", answer.option_ids.join(",")))
                .await
                .map_err(|e| e.to_string())?;
            if mode == "wait" {
                return Err("expected to be stopped".into());
            }
            Ok(())
        }
        WaitOutcome::Interrupted(status) => {
            println!("interrupted: {status:?}");
            Ok(())
        }
    }
}
