//! Measures how long the credential check takes for a wrong password versus an unknown user, on a
//! real SQLite file with the real argon2id settings. The two should be comparable: an unknown user
//! is verified against a dummy hash precisely so that timing does not reveal which names exist.
//!
//! Run: `cargo run --features ssr --example credential_timing -- [rounds]` (argon2 is optimised
//! even in dev builds, see Cargo.toml). Prints the median and 10th/90th percentiles of each.

use authlab::{
    auth::{credentials::check_credentials, password::Charged},
    server,
    settings::Settings,
    wire::Password,
};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        database_url: format!("sqlite://{}/timing.db", dir.path().display()),
        ..Settings::default()
    };
    let state = server::build_state(settings.clone(), server::site(&settings))
        .await
        .expect("state");
    let wrong = Password::new("definitely-not-the-password");

    let mut wrong_password = Vec::with_capacity(rounds);
    let mut unknown_user = Vec::with_capacity(rounds);
    // Interleaved, so drift in machine load hits both series alike.
    for _ in 0..rounds {
        for (username, series) in [
            ("alice", &mut wrong_password),
            ("nobody-here", &mut unknown_user),
        ] {
            let started = Instant::now();
            let result = check_credentials(
                &*state.auth.users,
                &state.auth.passwords,
                username,
                &wrong,
                &Charged::to(username),
            )
            .await;
            series.push(started.elapsed());
            assert!(result.is_err());
        }
    }
    println!("credential check, {rounds} rounds each (milliseconds)");
    println!("{:<16} {:>8} {:>8} {:>8}", "case", "p10", "median", "p90");
    for (name, series) in [
        ("wrong password", &mut wrong_password),
        ("unknown user", &mut unknown_user),
    ] {
        series.sort();
        let at = |q: f64| ms(series[((series.len() - 1) as f64 * q) as usize]);
        println!(
            "{name:<16} {:>8.2} {:>8.2} {:>8.2}",
            at(0.1),
            at(0.5),
            at(0.9)
        );
    }
    let ratio = ms(unknown_user[rounds / 2]) / ms(wrong_password[rounds / 2]);
    println!("median ratio unknown/wrong: {ratio:.3}");
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
