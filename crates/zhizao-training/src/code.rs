//! The sign-in code of an offline session, pure: eight characters derived from the session's
//! secret and the minute, shown on the trainer's screen (as text and as a QR code) and changing
//! every minute, so a photo of it is useless a minute later. A code is accepted in the minute it
//! was shown and the next (someone who scanned at the end of a minute still gets in), and told
//! apart from an expired one (it matches an earlier minute of the same session) and from one
//! that is not this session's at all.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zhizao_core::Timestamp;

/// How long one code is shown, in milliseconds.
pub const WINDOW_MILLIS: i64 = 60_000;
/// How many windows a code is accepted in: the one it was shown in and the next.
pub const ACCEPTED_WINDOWS: i64 = 2;
/// How far back an expired code is still recognised as this session's (to say "expired" rather
/// than "wrong"): twelve hours.
const RECOGNISED_WINDOWS: i64 = 12 * 60;
/// The characters of a code: no 0/O, 1/I/L, so it can be typed from the screen.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code.
pub const LENGTH: usize = 8;

/// The window (minute) `now` falls in.
pub fn window(now: Timestamp) -> i64 {
    now.as_millis().div_euclid(WINDOW_MILLIS)
}

/// When the code of `now`'s window stops being shown.
pub fn next_change(now: Timestamp) -> Timestamp {
    Timestamp::from_millis((window(now) + 1) * WINDOW_MILLIS)
}

/// The code of session `session_id` (keyed by `secret`) in `window`.
pub fn code(secret: &[u8], session_id: i64, window: i64) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(b"zhizao-training-sign-in\0");
    mac.update(&session_id.to_be_bytes());
    mac.update(&window.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    digest[..LENGTH]
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// What is wrong with a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It was this session's code, but more than a minute ago.
    Expired,
    /// It is not a code of this session.
    Wrong,
}

/// Normalises what someone typed: spaces and dashes dropped, lower case raised.
pub fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether `typed` is session `session_id`'s code at `now`.
pub fn check(secret: &[u8], session_id: i64, typed: &str, now: Timestamp) -> Result<(), Refusal> {
    let typed = normalise(typed);
    if typed.len() != LENGTH {
        return Err(Refusal::Wrong);
    }
    let current = window(now);
    for back in 0..RECOGNISED_WINDOWS {
        if code(secret, session_id, current - back) == typed {
            return if back < ACCEPTED_WINDOWS {
                Ok(())
            } else {
                Err(Refusal::Expired)
            };
        }
    }
    Err(Refusal::Wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn at(seconds: i64) -> Timestamp {
        // 2026-12-07 09:00:00 +08:00 plus `seconds`.
        Timestamp::from_millis(1_765_069_200_000 + seconds * 1000)
    }

    #[test]
    fn a_code_changes_every_minute_and_is_accepted_for_the_minute_after() {
        let shown = code(SECRET, 7, window(at(0)));
        assert_eq!(shown.len(), LENGTH);
        assert!(shown.bytes().all(|b| ALPHABET.contains(&b)), "{shown}");
        assert_eq!(
            shown,
            code(SECRET, 7, window(at(59))),
            "one code per minute"
        );
        assert_ne!(
            shown,
            code(SECRET, 7, window(at(60))),
            "a new code each minute"
        );
        assert_eq!(next_change(at(30)), at(60));
        // Scanned in the minute shown, or in the next one: accepted.
        for seconds in [0, 30, 59, 60, 119] {
            assert_eq!(check(SECRET, 7, &shown, at(seconds)), Ok(()), "{seconds} s");
        }
        // A photo of it used later: expired, for hours.
        for seconds in [120, 600, 6 * 3600] {
            assert_eq!(
                check(SECRET, 7, &shown, at(seconds)),
                Err(Refusal::Expired),
                "{seconds} s"
            );
        }
        // Much later it is just not a code of this session.
        assert_eq!(check(SECRET, 7, &shown, at(13 * 3600)), Err(Refusal::Wrong));
        // Typed by hand: case, spaces and a dash do not matter.
        let typed = format!(" {}-{} ", &shown[..4].to_lowercase(), &shown[4..]);
        assert_eq!(check(SECRET, 7, &typed, at(10)), Ok(()));
    }

    #[test]
    fn another_sessions_code_or_another_key_is_wrong() {
        let other_session = code(SECRET, 8, window(at(0)));
        assert_eq!(check(SECRET, 7, &other_session, at(0)), Err(Refusal::Wrong));
        let other_key = code(b"another key", 7, window(at(0)));
        assert_eq!(check(SECRET, 7, &other_key, at(0)), Err(Refusal::Wrong));
        for typed in [
            "",
            "ABC",
            "ABCDEFGHIJ",
            "这不是签到码",
            "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
        ] {
            assert_eq!(
                check(SECRET, 7, typed, at(0)),
                Err(Refusal::Wrong),
                "{typed:?}"
            );
        }
    }
}
