//! The decision trace: every request the server authenticates is judged by an ordered plan of
//! checks, and the trace records each one as pass, fail (with the reason) or skip (not reached).
//! The inspector renders it, and a 401/403 carries it, so a learner sees *which* check refused.

use crate::wire::{AuthMode, AuthTrace, Check, CheckId, CheckStatus};
use std::borrow::Cow;

pub struct Trace {
    mode: AuthMode,
    plan: &'static [CheckId],
    checks: Vec<Check>,
}

impl Trace {
    /// Start judging a request in `mode` with these checks, in this order.
    pub fn new(mode: AuthMode, plan: &'static [CheckId]) -> Self {
        Trace {
            mode,
            plan,
            checks: Vec::with_capacity(plan.len()),
        }
    }

    pub fn pass(&mut self, name: CheckId, detail: impl Into<Cow<'static, str>>) {
        self.record(name, CheckStatus::Pass, detail.into(), None);
    }

    pub fn pass_timed(&mut self, name: CheckId, detail: impl Into<Cow<'static, str>>, micros: u64) {
        self.record(name, CheckStatus::Pass, detail.into(), Some(micros));
    }

    pub fn fail(&mut self, name: CheckId, detail: impl Into<Cow<'static, str>>) {
        self.record(name, CheckStatus::Fail, detail.into(), None);
    }

    pub fn fail_timed(&mut self, name: CheckId, detail: impl Into<Cow<'static, str>>, micros: u64) {
        self.record(name, CheckStatus::Fail, detail.into(), Some(micros));
    }

    /// A check that failed but is switched off for this account: the request goes on without it.
    pub fn off(&mut self, name: CheckId, detail: impl Into<Cow<'static, str>>) {
        self.record(name, CheckStatus::Off, detail.into(), None);
    }

    /// Mark `name`, already recorded as passed, `off`: it held for this request, but the account
    /// switched off a defence that makes the credential untrustworthy (a cookie a script could
    /// read, an id an attacker could have planted), and privileged routes must know.
    pub fn turn_off(&mut self, name: CheckId, detail: impl Into<Cow<'static, str>>) {
        match self.checks.iter_mut().find(|c| c.name == name) {
            Some(check) => {
                check.status = CheckStatus::Off;
                check.detail = detail.into();
            }
            None => self.off(name, detail),
        }
    }

    /// Forget the lines from `check` on, to judge again from there (a token verified afresh
    /// after its keys were learnt, or by its account's weakened plan), keeping what came before
    /// it (a cookie token's origin and cookie lines).
    pub fn rewind(&mut self, check: CheckId) {
        if let Some(at) = self.checks.iter().position(|c| c.name == check) {
            self.checks.truncate(at);
        }
    }

    /// Go on judging by a longer plan (one that starts with every check recorded so far): a
    /// bearer request whose token turned out to be DPoP-bound is judged by the DPoP plan.
    pub fn extend_plan(&mut self, plan: &'static [CheckId]) {
        debug_assert!(self.checks.iter().all(|c| plan.contains(&c.name)));
        self.plan = plan;
    }

    /// Whether a check so far was let go because the account switched it off.
    pub fn any_off(&self) -> bool {
        self.checks.iter().any(|c| c.status == CheckStatus::Off)
    }

    /// The check that failed, if one did.
    pub fn failed(&self) -> Option<CheckId> {
        self.checks
            .iter()
            .find(|c| c.status == CheckStatus::Fail)
            .map(|c| c.name)
    }

    /// Close the trace: checks of the plan that were never reached are marked skipped.
    pub fn finish(mut self) -> AuthTrace {
        // Allowed only when every planned check ran and passed (or was switched off on purpose
        // by the account, which the trace then says).
        let allowed = self.plan.iter().all(|name| {
            self.checks.iter().any(|c| {
                c.name == *name && matches!(c.status, CheckStatus::Pass | CheckStatus::Off)
            })
        });
        for name in self.plan {
            if !self.checks.iter().any(|c| c.name == *name) {
                self.checks.push(Check {
                    name: *name,
                    status: CheckStatus::Skip,
                    detail: "not reached: an earlier check failed".into(),
                    micros: None,
                });
            }
        }
        AuthTrace {
            mode: self.mode,
            allowed,
            checks: self.checks,
        }
    }

    fn record(
        &mut self,
        name: CheckId,
        status: CheckStatus,
        detail: Cow<'static, str>,
        micros: Option<u64>,
    ) {
        debug_assert!(self.plan.contains(&name), "check {name} is not in the plan");
        self.checks.push(Check {
            name,
            status,
            detail,
            micros,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &[CheckId] = &[CheckId::Cookie, CheckId::StoreLookup, CheckId::User];

    #[test]
    fn a_failed_check_denies_and_later_checks_are_skipped() {
        let mut trace = Trace::new(AuthMode::Session, PLAN);
        trace.pass(CheckId::Cookie, "fine");
        trace.fail(CheckId::StoreLookup, "broken");
        let trace = trace.finish();
        assert!(!trace.allowed);
        let statuses: Vec<_> = trace.checks.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            [CheckStatus::Pass, CheckStatus::Fail, CheckStatus::Skip]
        );
        assert_eq!(trace.failed_check().unwrap().name, CheckId::StoreLookup);
    }

    #[test]
    fn all_passing_checks_allow() {
        let mut trace = Trace::new(AuthMode::Jwt, PLAN);
        for name in PLAN {
            trace.pass(*name, "ok");
        }
        let trace = trace.finish();
        assert!(trace.allowed);
        assert!(trace.failed_check().is_none());
    }
}
