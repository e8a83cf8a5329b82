//! Bad input through the real server: oversized messages, bytes Postgres cannot store, edited
//! page tokens, and generated garbage for every method of every service (issue 11). Whatever a
//! client sends, the answer is never INTERNAL or UNKNOWN.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::{Buf, BufMut};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use prost::Message as _;
use prost::encoding::{WireType, encode_key, encode_varint};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};
use switchboard::proto::*;
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

use crate::harness::*;

/// The codes that would mean the server, not the client, is at fault.
const SERVER_FAULTS: [Code; 3] = [Code::Internal, Code::Unknown, Code::Unimplemented];

#[tokio::test]
async fn a_message_over_the_size_limit_is_resource_exhausted_with_the_limit() {
    let limit = 256 * 1024;
    let app = TestApp::spawn_with(|s| {
        s.limits.max_message_bytes = limit;
        s.limits.max_diff_bytes = 64 * 1024;
    })
    .await;
    let mut ann = app.user("ann@example.com").await;
    let session = ann.start("big").await;
    let big = "x".repeat(limit + 1);
    let answers: Vec<(&str, tonic::Status)> = vec![
        (
            "LogStep",
            ann.agent
                .log_step(LogStepRequest {
                    session_id: session.clone(),
                    text: big.clone(),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
        ),
        (
            "StartSession",
            ann.agent
                .start_session(StartSessionRequest {
                    agent_name: big.clone(),
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
        ),
        (
            "ReportDiff",
            ann.agent
                .report_diff(ReportDiffRequest {
                    session_id: session.clone(),
                    diff: big.clone(),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
        ),
        (
            "SendMessage",
            ann.dashboard
                .send_message(SendMessageRequest {
                    session_id: session.clone(),
                    text: big.clone(),
                    request_id: String::new(),
                })
                .await
                .unwrap_err(),
        ),
        (
            "AnswerQuestion",
            ann.dashboard
                .answer_question(AnswerQuestionRequest {
                    session_id: session.clone(),
                    question_id: uuid::Uuid::new_v4().to_string(),
                    text: big.clone(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
        ),
        (
            "Login",
            app.auth()
                .await
                .login(LoginRequest {
                    email: "ann@example.com".into(),
                    password: big.clone(),
                })
                .await
                .unwrap_err(),
        ),
    ];
    for (rpc, status) in answers {
        assert_eq!(status.code(), Code::ResourceExhausted, "{rpc}: {status:?}");
        assert!(
            status
                .message()
                .contains(&format!("limit is {limit} bytes")),
            "{rpc}: {}",
            status.message()
        );
    }
    // Under the limit, the same call works.
    ann.step(&session, "small").await;
}

#[tokio::test]
async fn a_nul_byte_in_a_diff_is_invalid_argument_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut bea = app.user("bea@example.com").await;
    let session = bea.start("binary").await;
    let diff = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\0c\n";
    let err = bea
        .agent
        .report_diff(ReportDiffRequest {
            session_id: session.clone(),
            diff: diff.into(),
            request_id: rid(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(err.message().starts_with("diff:"), "{}", err.message());
}

/// A page token is signed: editing its (base64 JSON) cursor, for example to a time of year
/// -100000, is refused before any of it reaches a query.
#[tokio::test]
async fn an_edited_page_token_is_invalid_argument_on_every_list() {
    let app = TestApp::spawn().await;
    let mut cid = app.user("cid@example.com").await;
    for i in 0..3 {
        let s = cid.start(&format!("agent-{i}")).await;
        cid.step(&s, "x").await;
    }
    cid.dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "second".into(),
            expire_time: None,
            ..Default::default()
        })
        .await
        .unwrap();
    let d = &mut cid.dashboard;
    let tokens = [
        (
            "ListSessions",
            d.list_sessions(ListSessionsRequest {
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .next_page_token,
        ),
        (
            "ListAgents",
            d.list_agents(ListAgentsRequest {
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .next_page_token,
        ),
        (
            "ListApiKeys",
            d.list_api_keys(ListApiKeysRequest {
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .next_page_token,
        ),
    ];
    for (rpc, token) in tokens {
        assert!(!token.is_empty(), "{rpc} has a second page");
        for edited in edits(&token) {
            let r = match rpc {
                "ListSessions" => code(
                    d.list_sessions(ListSessionsRequest {
                        page_size: 1,
                        page_token: edited.clone(),
                        ..Default::default()
                    })
                    .await,
                ),
                "ListAgents" => code(
                    d.list_agents(ListAgentsRequest {
                        page_size: 1,
                        page_token: edited.clone(),
                        ..Default::default()
                    })
                    .await,
                ),
                _ => code(
                    d.list_api_keys(ListApiKeysRequest {
                        page_size: 1,
                        page_token: edited.clone(),
                        ..Default::default()
                    })
                    .await,
                ),
            };
            assert_eq!(r, Code::InvalidArgument, "{rpc} with {edited:?}");
        }
    }
}

/// Ways a client might edit a token: every timestamp moved to year -100000, every number
/// negated, the payload re-encoded without its signature.
fn edits(token: &str) -> Vec<String> {
    let (payload, tag) = token.split_once('.').expect("payload.tag");
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let mut out = Vec::new();
    let reencode = |s: &str| URL_SAFE_NO_PAD.encode(s.as_bytes());
    let year = json.replacen("20", "-1000", 1);
    out.push(format!("{}.{tag}", reencode(&year)));
    let negated = json.replace(":", ":-");
    out.push(format!("{}.{tag}", reencode(&negated)));
    out.push(reencode(&json));
    out.push(format!("{payload}.AAAA"));
    out
}

// ---- Generated garbage for every method, from the service descriptors -------------------------

/// Sends raw bytes as a method's request and ignores what comes back, so any byte string can be
/// thrown at any method.
#[derive(Clone, Default)]
struct RawCodec;

struct RawEncoder;
struct RawDecoder;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ();
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawDecoder {
    type Item = ();
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, tonic::Status> {
        src.advance(src.remaining());
        Ok(Some(()))
    }
}

pub(crate) struct Method {
    pub(crate) path: String,
    pub(crate) input: String,
    pub(crate) server_streaming: bool,
}

/// Every method of every switchboard service, read from the descriptors the server serves: a
/// new RPC is covered without touching this test.
pub(crate) fn methods_and_messages() -> (Vec<Method>, HashMap<String, DescriptorProto>) {
    let set = FileDescriptorSet::decode(switchboard::proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut messages = HashMap::new();
    let mut methods = Vec::new();
    for file in &set.file {
        let package = file.package();
        fn collect(prefix: &str, m: &DescriptorProto, out: &mut HashMap<String, DescriptorProto>) {
            let name = format!("{prefix}.{}", m.name());
            for nested in &m.nested_type {
                collect(&name, nested, out);
            }
            out.insert(name, m.clone());
        }
        for m in &file.message_type {
            collect(&format!(".{package}"), m, &mut messages);
        }
        for service in &file.service {
            for method in &service.method {
                methods.push(Method {
                    path: format!("/{package}.{}/{}", service.name(), method.name()),
                    input: method.input_type().to_owned(),
                    server_streaming: method.server_streaming(),
                });
            }
        }
    }
    (methods, messages)
}

/// Values that have broken servers before, plus real ids so that calls get past the lookups.
fn string_strategy(known_ids: &[String]) -> BoxedStrategy<String> {
    let ids: Vec<String> = known_ids.to_vec();
    prop_oneof![
        3 => prop::sample::select(ids),
        2 => prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter),
        1 => Just(String::new()),
        1 => Just("\0".to_owned()),
        1 => Just("a\0b".to_owned()),
        1 => Just(" ".to_owned()),
        1 => Just("x".repeat(20_000)),
        1 => Just(uuid::Uuid::new_v4().to_string()),
        1 => Just("-100000-01-01T00:00:00Z".to_owned()),
        1 => Just("sb_live_".to_owned() + &"A".repeat(43)),
    ]
    .boxed()
}

fn varint_strategy() -> BoxedStrategy<u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        Just(u64::MAX), // -1 as int64
        Just(i64::MAX as u64),
        Just(i64::MIN as u64),
        Just(i32::MAX as u64),
        Just(i32::MIN as i64 as u64),
        any::<u64>(),
        0u64..64,
    ]
    .boxed()
}

fn field_strategy(
    field: &prost_types::FieldDescriptorProto,
    messages: &HashMap<String, DescriptorProto>,
    ids: &[String],
    depth: u32,
) -> BoxedStrategy<Vec<u8>> {
    let number = field.number() as u32;
    let one: BoxedStrategy<Vec<u8>> = match field.r#type() {
        Type::String | Type::Bytes => string_strategy(ids)
            .prop_map(move |s| {
                let mut b = Vec::new();
                encode_key(number, WireType::LengthDelimited, &mut b);
                encode_varint(s.len() as u64, &mut b);
                b.extend_from_slice(s.as_bytes());
                b
            })
            .boxed(),
        Type::Message if depth < 3 => message_strategy(field.type_name(), messages, ids, depth + 1)
            .prop_map(move |m| {
                let mut b = Vec::new();
                encode_key(number, WireType::LengthDelimited, &mut b);
                encode_varint(m.len() as u64, &mut b);
                b.extend_from_slice(&m);
                b
            })
            .boxed(),
        Type::Message | Type::Group => Just(Vec::new()).boxed(),
        Type::Double | Type::Fixed64 | Type::Sfixed64 => any::<u64>()
            .prop_map(move |v| {
                let mut b = Vec::new();
                encode_key(number, WireType::SixtyFourBit, &mut b);
                b.put_u64_le(v);
                b
            })
            .boxed(),
        Type::Float | Type::Fixed32 | Type::Sfixed32 => any::<u32>()
            .prop_map(move |v| {
                let mut b = Vec::new();
                encode_key(number, WireType::ThirtyTwoBit, &mut b);
                b.put_u32_le(v);
                b
            })
            .boxed(),
        _ => varint_strategy()
            .prop_map(move |v| {
                let mut b = Vec::new();
                encode_key(number, WireType::Varint, &mut b);
                encode_varint(v, &mut b);
                b
            })
            .boxed(),
    };
    if field.label() == Label::Repeated {
        prop::collection::vec(one, 0..3)
            .prop_map(|parts| parts.concat())
            .boxed()
    } else {
        prop::option::weighted(0.7, one)
            .prop_map(Option::unwrap_or_default)
            .boxed()
    }
}

fn message_strategy(
    name: &str,
    messages: &HashMap<String, DescriptorProto>,
    ids: &[String],
    depth: u32,
) -> BoxedStrategy<Vec<u8>> {
    let Some(descriptor) = messages.get(name) else {
        // google.protobuf.Duration / Timestamp: seconds and nanos, any values.
        return (varint_strategy(), varint_strategy())
            .prop_map(|(seconds, nanos)| {
                let mut b = Vec::new();
                encode_key(1, WireType::Varint, &mut b);
                encode_varint(seconds, &mut b);
                encode_key(2, WireType::Varint, &mut b);
                encode_varint(nanos & 0xffff_ffff, &mut b);
                b
            })
            .boxed();
    };
    let fields: Vec<BoxedStrategy<Vec<u8>>> = descriptor
        .field
        .iter()
        .map(|f| field_strategy(f, messages, ids, depth))
        .collect();
    fields.prop_map(|parts| parts.concat()).boxed()
}

/// What the server answered to one request, without its body.
pub(crate) async fn raw_call(
    channel: tonic::transport::Channel,
    method: &Method,
    bearer: Option<&str>,
    body: Vec<u8>,
) -> Code {
    let mut grpc = tonic::client::Grpc::new(channel);
    if grpc.ready().await.is_err() {
        return Code::Unavailable;
    }
    let path = http::uri::PathAndQuery::from_str(&method.path).unwrap();
    let mut request = tonic::Request::new(body);
    // Waits (WaitForAnswer, watches) end by the call's deadline, which the server honours.
    request.set_timeout(Duration::from_secs(3));
    if let Some(token) = bearer {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    if method.server_streaming {
        match grpc.server_streaming(request, path, RawCodec).await {
            Err(status) => status.code(),
            Ok(response) => {
                let mut stream = response.into_inner();
                match tokio::time::timeout(Duration::from_secs(5), stream.message()).await {
                    Ok(Err(status)) => status.code(),
                    _ => Code::Ok,
                }
            }
        }
    } else {
        match grpc.unary(request, path, RawCodec).await {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        }
    }
}

/// Generated requests (valid protobuf with hostile values, and plain random bytes) for every
/// method of every service: the answer is never a server fault.
#[test]
fn generated_garbage_never_gets_a_server_fault() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, user, ids, runner_secret) = rt.block_on(async {
        let app = TestApp::spawn_with(fast_limits).await;
        let mut dan = app.user("dan@example.com").await;
        let session = dan.start("target").await;
        dan.step(&session, "a step").await;
        let question = dan.ask(&session, "which?", &["a", "b"]).await;
        let ended = dan.start("ended").await;
        dan.agent
            .end_session(EndSessionRequest {
                session_id: ended.clone(),
                outcome: SessionOutcome::Completed as i32,
                summary: String::new(),
                request_id: rid(),
            })
            .await
            .unwrap();
        // A channel whose receiver refuses connections, so TestChannel garbage stays local.
        let webhook = crate::notifications::notifications_of(&app, &dan)
            .await
            .create_webhook_channel(CreateWebhookChannelRequest {
                escalate_after: None,
                kind: ChannelKind::Webhook as i32,
                url: "http://127.0.0.1:9/refused".into(),
                events: vec![NotificationEvent::QuestionAsked as i32],
            })
            .await
            .unwrap()
            .into_inner()
            .channel
            .unwrap()
            .id;
        let ids = vec![
            webhook,
            session,
            question.id,
            ended,
            dan.api_key_id.clone(),
            dan.user_id.clone(),
            dan.refresh_token.clone(),
            dan.email.clone(),
        ];
        let runner_secret = crate::launch::launcher(&app, &dan)
            .await
            .create_runner_credential(CreateRunnerCredentialRequest {
                project_id: String::new(),
                name: "garbage".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .secret;
        (app, dan, ids, runner_secret)
    });
    let channel = rt.block_on(app.channel());
    let (methods, messages) = methods_and_messages();
    assert!(methods.len() >= 20, "read the services: {}", methods.len());
    for method in &methods {
        if !method.path.starts_with("/switchboard.") {
            continue;
        }
        let bearer = if method.path.ends_with("AuthService/ListSignIns") {
            // The one AuthService call that takes the person's access token.
            Some(user.access_token.as_str())
        } else if method.path.contains("AgentService") {
            Some(user.api_key.as_str())
        } else if method.path.contains("DashboardService")
            || method.path.contains("ProjectService")
            || method.path.contains("NotificationService")
            || method.path.contains("LaunchService")
        {
            Some(user.access_token.as_str())
        } else if method.path.contains("RunnerService") {
            Some(runner_secret.as_str())
        } else {
            None
        };
        let valid_shape = message_strategy(&method.input, &messages, &ids, 0);
        let random_bytes = prop::collection::vec(any::<u8>(), 0..64).boxed();
        let strategy = prop_oneof![4 => valid_shape, 1 => random_bytes];
        let mut runner = TestRunner::new(Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |body| {
            let got = rt.block_on(raw_call(channel.clone(), method, bearer, body.clone()));
            if SERVER_FAULTS.contains(&got) {
                let head = &body[..body.len().min(96)];
                return Err(TestCaseError::fail(format!(
                    "{} answered {got:?} to {} bytes starting {head:?}",
                    method.path,
                    body.len()
                )));
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            // The reason holds a short excerpt; the whole value can be megabytes.
            Err(proptest::test_runner::TestError::Fail(why, _)) => panic!("shrunk to: {why}"),
            Err(proptest::test_runner::TestError::Abort(why)) => panic!("aborted: {why}"),
        }
    }
    rt.block_on(async move { drop(app) });
}
