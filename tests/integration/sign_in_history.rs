//! A person's sign-in history (`store::sign_ins`, AuthService.ListSignIns): password sign-ins,
//! failed ones and sign-outs through AuthService, with the client's address. OIDC sign-ins and
//! the browser session's sign-out are checked in `oidc.rs`.

use switchboard::domain::UserId;
use switchboard::proto::auth_service_client::AuthServiceClient;
use switchboard::proto::*;
use switchboard::store::sign_ins::SignInKind;
use tonic::Code;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_sign_ins_failures_and_sign_outs_are_in_the_persons_history() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada@example.com").await; // signs in once with the password
    let mut auth = app.auth().await;
    let login = |email: &str, password: &str| LoginRequest {
        email: email.into(),
        password: password.into(),
    };
    let wrong = auth
        .login(login("ada@example.com", "not her password"))
        .await;
    assert_eq!(code(wrong), tonic::Code::Unauthenticated);
    // An unknown email is nobody's history.
    let unknown = auth.login(login("nobody@example.com", "anything")).await;
    assert_eq!(code(unknown), tonic::Code::Unauthenticated);
    // Signing out twice is one sign-out.
    for _ in 0..2 {
        auth.logout(LogoutRequest {
            refresh_token: ada.refresh_token.clone(),
        })
        .await
        .expect("logout");
    }

    let uid = UserId(ada.user_id.parse().unwrap());
    let history: Vec<_> = app
        .store
        .sign_ins_of(uid, None, 10)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| (e.kind, e.issuer, e.client_addr))
        .collect();
    let at = |kind| (kind, String::new(), "127.0.0.1".to_owned());
    assert_eq!(
        history,
        [
            at(SignInKind::SignedOut),
            at(SignInKind::PasswordFailed),
            at(SignInKind::Password),
        ]
    );
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM sign_in_events")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 3, "nothing recorded for the unknown email");
}

/// Every page of the caller's ListSignIns, one event a page.
async fn all_pages(app: &TestApp, token: &str) -> Vec<(SignInEventKind, String)> {
    let mut auth = AuthServiceClient::with_interceptor(app.channel().await, Bearer::new(token));
    let (mut out, mut page_token) = (Vec::new(), String::new());
    loop {
        let page = auth
            .list_sign_ins(ListSignInsRequest {
                page_size: 1,
                page_token,
            })
            .await
            .expect("list sign-ins")
            .into_inner();
        for e in page.events {
            assert!(e.time.is_some());
            out.push((e.kind(), e.client_address));
        }
        if page.next_page_token.is_empty() {
            return out;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_lists_their_own_sign_ins_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    let wrong = app
        .auth()
        .await
        .login(LoginRequest {
            email: "ada@example.com".into(),
            password: "not her password".into(),
        })
        .await;
    assert_eq!(code(wrong), Code::Unauthenticated);

    let local = |kind| (kind, "127.0.0.1".to_owned());
    assert_eq!(
        all_pages(&app, &ada.access_token).await,
        [
            local(SignInEventKind::PasswordFailed),
            local(SignInEventKind::Password)
        ]
    );
    assert_eq!(
        all_pages(&app, &bob.access_token).await,
        [local(SignInEventKind::Password)]
    );

    // The access token is required: none, an API key, or garbage is UNAUTHENTICATED.
    let list = ListSignInsRequest::default();
    let none = app.auth().await.list_sign_ins(list.clone()).await;
    assert_eq!(code(none), Code::Unauthenticated);
    for token in [ada.api_key.as_str(), "not-a-token"] {
        let mut auth = AuthServiceClient::with_interceptor(app.channel().await, Bearer::new(token));
        assert_eq!(
            code(auth.list_sign_ins(list.clone()).await),
            Code::Unauthenticated
        );
    }

    // Bad paging is INVALID_ARGUMENT naming the field; bob cannot use ada's page token.
    let mut auth =
        AuthServiceClient::with_interceptor(app.channel().await, Bearer::new(&ada.access_token));
    let negative = auth
        .list_sign_ins(ListSignInsRequest {
            page_size: -1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);
    assert!(
        negative.message().contains("page_size"),
        "{}",
        negative.message()
    );
    let next = auth
        .list_sign_ins(ListSignInsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    let mut as_bob =
        AuthServiceClient::with_interceptor(app.channel().await, Bearer::new(&bob.access_token));
    let replayed = as_bob
        .list_sign_ins(ListSignInsRequest {
            page_size: 1,
            page_token: next,
        })
        .await
        .unwrap_err();
    assert_eq!(replayed.code(), Code::InvalidArgument);
    assert!(
        replayed.message().contains("page_token"),
        "{}",
        replayed.message()
    );
}
