//! The credential check both login modes will call: right password in, account out; wrong password
//! and unknown user out with one and the same error.

use crate::common::harness;
use authlab::{auth::credentials::CredentialError, demo::DEMO_ACCOUNTS, wire::Role};

#[tokio::test]
async fn right_password_is_accepted() {
    let server = harness().await;
    for account in DEMO_ACCOUNTS {
        let user = server
            .check_credentials(account.username, account.password)
            .await
            .expect("demo credentials are valid");
        assert_eq!(user.username, account.username);
        assert_eq!(user.role, account.role);
    }
}

#[tokio::test]
async fn registered_account_passes_the_check() {
    let server = harness().await;
    let answer = server
        .post_json(
            "/api/register",
            r#"{"username":"ivy","password":"ivy-password"}"#,
        )
        .await;
    assert_eq!(answer.status, 201);
    let user = server
        .check_credentials("ivy", "ivy-password")
        .await
        .unwrap();
    assert_eq!(user.role, Role::User);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_refused_with_the_same_error() {
    let server = harness().await;
    let wrong_password = server
        .check_credentials("alice", "not-alices-password")
        .await
        .unwrap_err();
    let unknown_user = server
        .check_credentials("nobody", "not-alices-password")
        .await
        .unwrap_err();
    assert!(matches!(wrong_password, CredentialError::Invalid));
    assert!(matches!(unknown_user, CredentialError::Invalid));
    assert_eq!(wrong_password.to_string(), unknown_user.to_string());
    assert_eq!(unknown_user.to_string(), "invalid username or password");
}

#[tokio::test]
async fn unknown_user_costs_the_same_argon2_verification_as_a_wrong_password() {
    let server = harness().await;
    let verifications = || server.state.auth.passwords.verifications();
    let start = verifications();
    let _ = server.check_credentials("alice", "wrong-one").await;
    let after_wrong_password = verifications();
    let _ = server.check_credentials("nobody", "wrong-one").await;
    let after_unknown_user = verifications();
    assert_eq!(after_wrong_password - start, 1);
    assert_eq!(after_unknown_user - after_wrong_password, 1);
}

#[tokio::test]
async fn a_burst_of_checks_all_complete_behind_the_semaphore() {
    let server = std::sync::Arc::new(harness().await);
    let checks = (0..8).map(|i| {
        let server = server.clone();
        tokio::spawn(async move {
            let password = if i % 2 == 0 {
                "bob-builds-it"
            } else {
                "wrong-password"
            };
            server.check_credentials("bob", password).await.is_ok()
        })
    });
    let mut accepted = 0;
    for check in checks {
        if check.await.unwrap() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 4);
}
