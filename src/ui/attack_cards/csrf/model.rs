//! The CSRF card's model: the phases of one run and what moves it from one to the next (the
//! frame's loads, a 700 ms tick). The view is `csrf/mod.rs`.

use super::super::{
    frame::{answer_in_frame, refused_at, second_site},
    learner::Learner,
};
use crate::ui::pages::lessons::experiment::{fresh_account, Run};
use crate::wire::paths;
use crate::{
    ui::browser,
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, AuditEvent, AuthTrace, Credentials},
};
use leptos::{prelude::*, task::spawn_local};

/// Where the card is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// The attacker's page is loaded against an account with every defence on.
    Defended,
    /// The attacker's page is loaded against the weakened account; the card watches the session.
    Weakened,
    /// The forged logout went through; the card reads the audit log for the server's record.
    ReadingAudit,
    Done,
}

/// How many polls (700 ms apart) the card waits for an answer before saying none came.
const PATIENCE: u32 = 20;

#[derive(Clone, Copy)]
pub struct Card {
    pub run: StoredValue<Option<Run>>,
    pub phase: RwSignal<Phase>,
    pub frame_src: RwSignal<Option<String>>,
    pub refusal: RwSignal<Option<(String, AuthTrace)>>,
    pub forged_entry: RwSignal<Option<AuditEvent>>,
    pub victim: StoredValue<Option<Credentials>>,
    pub polls: StoredValue<u32>,
    pub busy: StoredValue<bool>,
    pub learner: Learner,
}

impl Card {
    pub fn new(learner: Learner) -> Self {
        Card {
            run: StoredValue::new(None),
            phase: RwSignal::new(Phase::Idle),
            frame_src: RwSignal::new(None),
            refusal: RwSignal::new(None),
            forged_entry: RwSignal::new(None),
            victim: StoredValue::new(None),
            polls: StoredValue::new(0),
            busy: StoredValue::new(false),
            learner,
        }
    }

    /// A run from the start: sign in a fresh victim, then let the attacker's page load.
    pub fn start(self, run: Run) {
        self.run.set_value(Some(run));
        self.phase.set(Phase::Idle);
        self.frame_src.set(None);
        self.refusal.set(None);
        self.forged_entry.set(None);
        // The card goes on after this (the frames it loads): the learner's sign-in stays
        // aside until it is done.
        run.begin(async move {
            let attacker = second_site().await?;
            let victim = fresh_account(&run).await?;
            let state = run
                .session_login("the victim signs in (a cookie session)", &victim)
                .await?;
            self.learner.signed_in_as.set(Some(victim.username.clone()));
            self.learner.csrf.set(Some(state.csrf_token));
            self.learner.weakened.set(state.csrf_weakened);
            self.victim.set_value(Some(victim));
            run.saw(format!(
                "This browser is now signed in as the victim, with a SameSite={} cookie. The \
                 attacker's page is {attacker}: another origin and another site. Its form posts \
                 a logout to the lab the moment it loads.",
                state.same_site.as_str()
            ));
            self.phase.set(Phase::Defended);
            self.load_attacker_page(&attacker, 1);
            Ok(())
        });
    }

    fn fail(self, why: impl Into<String>) {
        if let Some(run) = self.run.get_value() {
            run.error.set(Some(why.into()));
        }
        self.done();
    }

    /// The card is over: the learner's own sign-in is the browser's again.
    fn done(self) {
        self.phase.set(Phase::Done);
        if let Some(run) = self.run.get_value() {
            run.give_back();
        }
    }

    /// The attacker's page with the self-submitting form; `n` makes each load a fresh one.
    fn load_attacker_page(self, attacker: &str, n: u32) {
        let target = browser::origin();
        let csrf = paths::attacker::CSRF;
        self.frame_src
            .set(Some(format!("{attacker}{csrf}?target={target}&run={n}")));
    }

    /// The frame loaded: first the attacker's page (another origin, unreadable), then, if the
    /// server refused, the lab's JSON answer (this origin, readable).
    pub fn on_frame_load(self, ev: leptos::ev::Event) {
        let Some(answer) = answer_in_frame(&ev) else {
            return;
        };
        let Some(run) = self.run.get_value() else {
            return;
        };
        let phase = self.phase.get_untracked();
        let Some(trace) = answer.auth else {
            run.saw(format!(
                "The forged request was answered: {}.",
                answer.reason
            ));
            return self.fail("the lab answered the forged request without a decision trace");
        };
        let check = refused_at(&trace)
            .map(|(name, detail)| format!("\"{name}\": {detail}"))
            .unwrap_or_else(|| "no check".into());
        run.saw(format!(
            "The forged POST /api/session/logout from the other site was answered \"{}\", \
             refused at {check}.",
            answer.error
        ));
        self.refusal.set(Some((answer.error, trace)));
        match phase {
            Phase::Defended => spawn_local(async move { self.weaken(run).await }),
            // Refused although the defences were off: say so rather than claim success.
            _ => self.fail("the forged request was refused even with the defences off"),
        }
    }

    /// After the refusal: still signed in? Then switch the weakened setting on and attack again.
    async fn weaken(self, run: Run) {
        let current = client::session_current().await;
        run.step("are you still signed in?", &current);
        let Ok(Some(state)) = current.result else {
            return self.fail("the refused forgery should have left you signed in, and did not");
        };
        run.saw("You are still signed in: the forged logout changed nothing.");
        let patch = AccountSwitchesPatch {
            csrf_weakened: Some(true),
            ..AccountSwitchesPatch::default()
        };
        let set = client::put_account_switches(&patch, Credential::Csrf(&state.csrf_token)).await;
        run.step(
            "the account's owner switches its CSRF defences OFF (this account only)",
            &set,
        );
        if set.result.is_err() {
            return self.fail("the weakened setting could not be switched on");
        }
        self.learner.weakened.set(true);
        let again = client::session_current().await;
        run.step("the cookie the account now holds", &again);
        if let Ok(Some(state)) = &again.result {
            self.learner.csrf.set(Some(state.csrf_token.clone()));
            run.saw(format!(
                "This account's CSRF defences are now OFF: its cookie was re-issued \
                 SameSite={}, and the server skips its origin check and CSRF token for it.",
                state.same_site.as_str()
            ));
        }
        self.phase.set(Phase::Weakened);
        self.polls.set_value(0);
        match second_site().await {
            Ok(attacker) => self.load_attacker_page(&attacker, 2),
            Err(_) => self.fail("the second site went away"),
        }
    }

    /// Every 700 ms while the weakened attack runs: has the session ended? Then sign back in
    /// and find the server's record of the forged request.
    pub fn tick(self) {
        let phase = self.phase.get_untracked();
        if !matches!(phase, Phase::Weakened | Phase::ReadingAudit) || self.busy.get_value() {
            return;
        }
        let polls = self.polls.get_value() + 1;
        self.polls.set_value(polls);
        if polls > PATIENCE {
            return self.fail(match phase {
                Phase::Weakened => "the forged request got no answer the card could see",
                _ => "the audit log did not show the forged request",
            });
        }
        let Some(run) = self.run.get_value() else {
            return;
        };
        self.busy.set_value(true);
        spawn_local(async move {
            match phase {
                Phase::Weakened => self.watch_session(run).await,
                _ => self.read_audit(run).await,
            }
            self.busy.set_value(false);
        });
    }

    async fn watch_session(self, run: Run) {
        let current = client::session_current().await;
        if !matches!(current.result, Ok(None)) {
            return;
        }
        run.step("are you still signed in?", &current);
        run.saw(
            "You were logged out by the other site's form: the browser sent the SameSite=None \
             cookie with the cross-site POST, and the server acted on it.",
        );
        self.learner.csrf.set(None);
        let Some(victim) = self.victim.get_value() else {
            return self.fail("the victim account was lost");
        };
        // Signed out, the audit log is not readable: sign back in to read it.
        match run
            .session_login("sign back in, to read the audit log", &victim)
            .await
        {
            Ok(state) => self.learner.csrf.set(Some(state.csrf_token)),
            Err(err) => return self.fail(format!("could not sign back in: {err}")),
        }
        self.phase.set(Phase::ReadingAudit);
        self.polls.set_value(0);
    }

    async fn read_audit(self, run: Run) {
        let events = client::audit(0).await;
        let Ok(list) = &events.result else {
            return self.fail("the audit log could not be read");
        };
        let Some(forged) = list
            .iter()
            .rev()
            .find(|e| e.action == "POST /api/session/logout" && e.allowed)
            .cloned()
        else {
            return; // The batched audit writer has not written it yet: the next tick asks again.
        };
        run.step("the server's audit entry for the forged request", &events);
        run.saw(format!(
            "The server's record of the forged logout: \"{}\". These protections would each have \
             stopped it: SameSite=Lax or Strict (the browser would not have sent the cookie), the \
             origin check (Sec-Fetch-Site: cross-site), the CSRF token (another site cannot read \
             it).",
            forged.detail
        ));
        self.forged_entry.set(Some(forged));
        // Put the defences back, so the account is not left weakened.
        let state = client::session_current().await;
        if let Ok(Some(state)) = state.result {
            let patch = AccountSwitchesPatch {
                csrf_weakened: Some(false),
                ..AccountSwitchesPatch::default()
            };
            let set =
                client::put_account_switches(&patch, Credential::Csrf(&state.csrf_token)).await;
            run.step("switch the account's CSRF defences back ON", &set);
            if set.result.is_ok() {
                self.learner.weakened.set(false);
                if let Ok(Some(state)) = client::session_current().await.result {
                    self.learner.csrf.set(Some(state.csrf_token));
                }
            }
        }
        self.done();
    }
}
