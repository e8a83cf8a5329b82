//! A person's sign-in history (`store::sign_ins`): password sign-ins, failed ones and
//! sign-outs through AuthService, with the client's address. OIDC sign-ins and the browser
//! session's sign-out are checked in `oidc.rs`.

use switchboard::domain::UserId;
use switchboard::proto::*;
use switchboard::store::sign_ins::SignInKind;

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
        .sign_ins_of(uid, 10)
        .await
        .unwrap()
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
