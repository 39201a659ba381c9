//! Numbers as the page prints them ("1.4 µs", "3.3×", "+12.5 s"), computed in integers.
//! `format!("{:.1}", x)` on an `f64` pulls Rust's float formatter (Grisu and Dragon4, about 30 KB)
//! into the WASM every visitor downloads; a quotient rounded in integer arithmetic needs none of it.

/// `numerator / denominator` to `places` decimals, rounded half up ("2.5" for 5/2 at 1 place,
/// "3" at 0, as JavaScript's `toFixed` would say). A zero denominator counts as one.
pub fn ratio(numerator: u64, denominator: u64, places: u32) -> String {
    let scale = 10u128.pow(places);
    let denominator = u128::from(denominator.max(1));
    let scaled = (u128::from(numerator) * scale * 2 + denominator) / (denominator * 2);
    let (whole, fraction) = (scaled / scale, scaled % scale);
    if places == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{fraction:0width$}", width = places as usize)
    }
}

/// Like [`ratio`], with a sign always in front ("+1.5", "-0.2", "+0.0").
pub fn signed_ratio(numerator: i64, denominator: u64, places: u32) -> String {
    let sign = if numerator < 0 { '-' } else { '+' };
    format!(
        "{sign}{}",
        ratio(numerator.unsigned_abs(), denominator, places)
    )
}

/// A duration in nanoseconds as "12.34 ms" from a millisecond up, "1.4 µs" below.
pub fn micros(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{} ms", ratio(ns, 1_000_000, 2))
    } else {
        format!("{} µs", ratio(ns, 1_000, 1))
    }
}

/// Like [`micros`], and "640 ns" below a microsecond.
pub fn duration(ns: u64) -> String {
    if ns >= 1_000 {
        micros(ns)
    } else {
        format!("{ns} ns")
    }
}

/// `a` as a multiple of `b`, to one decimal ("7.7×"); "n/a" when `b` is zero.
pub fn times(a: usize, b: usize) -> String {
    if b == 0 {
        return "n/a".into();
    }
    format!("{}×", ratio(a as u64, b as u64, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotients_round_half_up_in_integers() {
        assert_eq!(ratio(5, 2, 0), "3");
        assert_eq!(ratio(5, 2, 1), "2.5");
        assert_eq!(ratio(1, 3, 2), "0.33");
        assert_eq!(ratio(2, 3, 2), "0.67");
        assert_eq!(ratio(1_049, 1_000, 1), "1.0");
        assert_eq!(ratio(1_050, 1_000, 1), "1.1");
        assert_eq!(ratio(7, 0, 1), "7.0");
        assert_eq!(ratio(u64::MAX, 1, 2), format!("{}.00", u64::MAX));
        assert_eq!(signed_ratio(-1_500, 1_000, 1), "-1.5");
        assert_eq!(signed_ratio(0, 1_000, 1), "+0.0");
        assert_eq!(signed_ratio(120_000, 1_000, 1), "+120.0");
    }

    #[test]
    fn durations_and_multiples_read_as_before() {
        assert_eq!(micros(1_440), "1.4 µs");
        assert_eq!(micros(640), "0.6 µs");
        assert_eq!(micros(12_345_678), "12.35 ms");
        assert_eq!(duration(640), "640 ns");
        assert_eq!(duration(29_960), "30.0 µs");
        assert_eq!(times(184, 55), "3.3×");
        assert_eq!(times(1, 0), "n/a");
    }
}
