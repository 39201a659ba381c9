//! The two values rate limiting speaks in: a `Rate` (how many attempts per period, as the
//! settings write it) and a `RetryAfter` (how long a refused client must wait).

use serde::{Deserialize, Deserializer};
use std::{fmt, num::NonZeroU32, str::FromStr, time::Duration};

/// `burst` attempts per `period`: written `"60/30s"`, `"10/1m"`, `"20/1h"` in the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub period: Duration,
}

impl Rate {
    pub const fn new(burst: u32, period_secs: u64) -> Rate {
        Rate {
            burst,
            period: Duration::from_secs(period_secs),
        }
    }

    pub fn quota(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(self.period / burst.get())
            .unwrap_or_else(|| governor::Quota::per_second(burst))
            .allow_burst(burst)
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let bad = || format!("{text:?} is not a rate like \"60/30s\", \"10/1m\" or \"20/1h\"");
        let (burst, period) = text.trim().split_once('/').ok_or_else(bad)?;
        let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let (number, unit) = period.split_at(period.len().saturating_sub(1));
        let number: u64 = if number.is_empty() {
            1
        } else {
            number.parse().map_err(|_| bad())?
        };
        let secs = match unit {
            "s" => number,
            "m" => number * 60,
            "h" => number * 3600,
            _ => return Err(bad()),
        };
        if burst == 0 || secs == 0 {
            return Err(format!(
                "{text:?}: burst and period must both be at least 1"
            ));
        }
        Ok(Rate::new(burst, secs))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.period.as_secs();
        if secs.is_multiple_of(3600) {
            write!(f, "{}/{}h", self.burst, secs / 3600)
        } else if secs.is_multiple_of(60) {
            write!(f, "{}/{}m", self.burst, secs / 60)
        } else {
            write!(f, "{}/{}s", self.burst, secs)
        }
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rate, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A refusal: wait this long before the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header (at least 1).
    pub fn secs(self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        assert_eq!("60/30s".parse::<Rate>().unwrap(), Rate::new(60, 30));
        assert_eq!("10/1m".parse::<Rate>().unwrap(), Rate::new(10, 60));
        assert_eq!("20/h".parse::<Rate>().unwrap(), Rate::new(20, 3600));
        assert_eq!(Rate::new(10, 60).to_string(), "10/1m");
        for bad in ["", "10", "0/1m", "10/0s", "x/1m", "10/1d", "10/-1s"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }
}
