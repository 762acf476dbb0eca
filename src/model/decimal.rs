//! DECIMAL values in plain notation. The gateway's JSON row format strips trailing zeros and
//! Jackson then writes exponents (a `DECIMAL(10, 2)` 10.00 arrives as `1E+1`); the wire gives
//! values their scale back and the renderers show them, both through [`plain`].

/// Flink's largest DECIMAL precision, so no scale is larger.
pub const MAX_SCALE: usize = 38;

/// The point never moves further than this from the digits: a DECIMAL holds at most
/// [`MAX_SCALE`] digits, so anything further is not a value Flink sent (a hostile page could
/// otherwise ask for gigabytes of zeros with `1E+999999999`).
const MAX_SHIFT: i64 = 4 * MAX_SCALE as i64;

/// Writes `text` (`[+-]digits[.digits][(e|E)[+-]exp]`) into `out` in plain notation with at least
/// `scale` fraction digits (at most [`MAX_SCALE`]): `1E+1`, 2 → `10.00`; `-1.0E-7`, 0 →
/// `-0.00000010`. False when `text` has another shape or lies outside any DECIMAL's range; `out`
/// is then unspecified.
pub fn plain(text: &str, scale: usize, out: &mut String) -> bool {
    let scale = scale.min(MAX_SCALE);
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exp) = match body.split_once(['e', 'E']) {
        Some((m, e)) => match e.parse::<i64>() {
            Ok(e) => (m, e),
            Err(_) => return false,
        },
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !all_digits {
        return false;
    }
    let Some(point) = (int.len() as i64).checked_add(exp) else {
        return false;
    };
    let len = (int.len() + frac.len()) as i64;
    if len > MAX_SHIFT || !(-MAX_SHIFT..=len + MAX_SHIFT).contains(&point) {
        return false;
    }
    out.clear();
    if negative {
        out.push('-');
    }
    push_shifted(int, frac, point, scale, out);
    true
}

/// Pushes the digits `int` ++ `frac` with the point after `point` of them (which may lie outside
/// them), without leading zeros and with at least `scale` fraction digits.
fn push_shifted(int: &str, frac: &str, point: i64, scale: usize, out: &mut String) {
    let digits = || int.chars().chain(frac.chars());
    let len = (int.len() + frac.len()) as i64;
    let whole: String = if point <= 0 {
        String::new()
    } else {
        let zeros = (point - len).max(0) as usize;
        digits()
            .take(point as usize)
            .chain(std::iter::repeat_n('0', zeros))
            .collect()
    };
    let whole = whole.trim_start_matches('0');
    out.push_str(if whole.is_empty() { "0" } else { whole });
    let lead = (-point).max(0) as usize;
    let fraction = digits().skip(point.max(0) as usize);
    let written = lead + fraction.clone().count();
    if written.max(scale) == 0 {
        return;
    }
    out.push('.');
    out.extend(std::iter::repeat_n('0', lead));
    out.extend(fraction);
    out.extend(std::iter::repeat_n('0', scale.saturating_sub(written)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str, scale: usize) -> Option<String> {
        let mut out = String::new();
        plain(text, scale, &mut out).then_some(out)
    }

    #[test]
    fn exponents_become_plain_notation_with_the_scale() {
        assert_eq!(shown("1E+1", 2).as_deref(), Some("10.00"));
        assert_eq!(shown("-0.1", 2).as_deref(), Some("-0.10"));
        assert_eq!(shown("1.0E-7", 0).as_deref(), Some("0.00000010"));
        assert_eq!(shown("-1.0E-7", 8).as_deref(), Some("-0.00000010"));
        assert_eq!(shown("1.5", 2).as_deref(), Some("1.50"));
        assert_eq!(shown("12345", 0).as_deref(), Some("12345"));
        assert_eq!(shown("1.2345E+2", 0).as_deref(), Some("123.45"));
        assert_eq!(shown("0E-10", 0).as_deref(), Some("0.0000000000"));
        assert_eq!(shown("007.50", 1).as_deref(), Some("7.50"));
        assert_eq!(shown("+3", 1).as_deref(), Some("3.0"));
        assert_eq!(shown(".5", 0).as_deref(), Some("0.5"));
        assert_eq!(shown("0", 2).as_deref(), Some("0.00"));
        assert_eq!(shown("1E+3", 0).as_deref(), Some("1000"));
        assert_eq!(shown("1.5E-3", 4).as_deref(), Some("0.0015"));
        let wide = "12345678901234567890.123";
        assert_eq!(shown(wide, 3).as_deref(), Some(wide));
    }

    #[test]
    fn other_shapes_are_refused() {
        for text in ["", "-", "abc", "1e", "1E+x", "1.2.3", "NaN", "1e5e5", "--1"] {
            assert_eq!(shown(text, 2), None, "{text:?}");
        }
    }

    #[test]
    fn hostile_sizes_stay_small() {
        // A scale or exponent no DECIMAL has must not allocate its size (found by fuzzing).
        assert_eq!(
            shown("10.5", 28_888_888_888_888_888).unwrap().len(),
            3 + MAX_SCALE
        );
        assert_eq!(shown("1E+999999999", 2), None);
        assert_eq!(shown("1E-999999999", 2), None);
        assert_eq!(shown("1E+9223372036854775807", 2), None);
        assert_eq!(shown("1E-9223372036854775808", 2), None);
        assert_eq!(shown(&"9".repeat(1000), 0), None);
        let widest = format!("0.{}1", "0".repeat(37));
        assert_eq!(shown("1E-38", 0).as_deref(), Some(widest.as_str()));
    }
}
