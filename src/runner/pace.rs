//! When to ask again for a statement's first page.
//!
//! The SQL Gateway answers a statement's POST at once and runs the statement in the background;
//! its REST API has no blocking wait, so the result can only be polled. Asking in a busy loop
//! costs the gateway CPU it needs to answer (on a small machine both share the cores) and costs
//! an HTTP call per ask; asking late costs latency. The pace learns, per session and per kind
//! of statement, when the results of the statements that were not ready at the first ask became
//! ready, and asks again around then:
//!
//! - the first ask is at once while at least a quarter of the recent results were ready by then
//!   (an idle gateway often has a DDL statement's result ready when its POST is answered); when
//!   fewer were, it waits as the next ask does;
//! - the next ask waits until the quickest quarter of the recent late results was ready;
//! - then the band up to their third quartile is walked in a few steps of at least 100 µs;
//! - past the band, and before anything was learned, a query's pause is `pause_after`'s for that
//!   long a wait but never under 1 ms (no busy poll): 1 ms for the first 100 ms, then 5 ms up to
//!   1 s, so its first rows come as soon as before; any other statement's is a quarter of what it
//!   has waited, at least 1 ms (an EXPLAIN of 30 ms: 15 asks, not 30).
//!
//! An idle local gateway has a DDL statement's result ready some 800 µs after answering its POST.
//! The runtime's timer counts whole milliseconds, so a pause below a few ms is slept on the
//! blocking pool instead ([`sleep`]), to the tens of µs: asking at 800 µs rather than at the
//! next millisecond tick is most of what a busy poll gains, at a few calls per statement.
//!
//! Measured on the local stack, side by
//! side with minimal clients (bench/run.sh, part 1).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::script::Statement;

/// Late results remembered per kind of statement.
const REMEMBERED: usize = 32;
/// Fewer late results than this: nothing learned yet.
const LEARNED_AFTER: usize = 4;
/// Steps to walk the band between the first and third quartile.
const BAND_STEPS: u32 = 3;
/// The shortest step within the band: a round trip to a local gateway takes about as long.
const STEP: Duration = Duration::from_micros(100);
/// The shortest pause past the band or before anything was learned.
const SHORTEST: Duration = Duration::from_millis(1);
const LONGEST: Duration = Duration::from_millis(250);
/// Pauses below this are slept to the µs ([`sleep`]); longer ones on the runtime's timer.
const PRECISE_BELOW: Duration = Duration::from_millis(4);

/// Kinds of statement whose results take very different times to become ready: a DDL statement
/// is done in a few ms, an INSERT's job id comes with its job's submission, a query's first page
/// with its job's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Query,
    Job,
    Other,
}

impl Class {
    pub fn of(stmt: &Statement) -> Class {
        if stmt.kind.is_query() {
            Class::Query
        } else if stmt.kind.starts_job() {
            Class::Job
        } else {
            Class::Other
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What one session learned of its statements' first pages.
#[derive(Debug, Default)]
pub struct Pace(Mutex<[Seen; 3]>);

/// The recent first pages of one kind of statement.
#[derive(Debug, Default)]
struct Seen {
    /// When the late ones were ready (asked for), after the POST was answered.
    late: VecDeque<Duration>,
    /// Whether each was ready at the first ask.
    at_once: VecDeque<bool>,
}

fn remember<T>(ring: &mut VecDeque<T>, value: T) {
    if ring.len() == REMEMBERED {
        ring.pop_front();
    }
    ring.push_back(value);
}

impl Pace {
    pub fn new() -> Pace {
        Pace::default()
    }

    /// The pause before the first ask for the first page of a `class` statement.
    pub fn first_ask(&self, class: Class) -> Duration {
        let mostly_late = {
            let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let at_once = &seen[class.index()].at_once;
            at_once.len() >= LEARNED_AFTER
                && at_once.iter().filter(|&&b| b).count() * 4 < at_once.len()
        };
        match self.band(class) {
            Some((low, _)) if mostly_late => low.min(LONGEST),
            _ => Duration::ZERO,
        }
    }

    /// The pause before asking again for the first page of a `class` statement, not ready
    /// `waited` after the POST was answered.
    pub fn pause(&self, class: Class, waited: Duration) -> Duration {
        let pause = match self.band(class) {
            Some((low, _)) if waited < low => low - waited,
            Some((low, high)) if waited < high => ((high - low) / BAND_STEPS).max(STEP),
            _ => unlearned(class, waited),
        };
        pause.min(LONGEST)
    }

    /// A first page became ready `waited` after the POST was answered (see `became_ready`);
    /// `at_once` when the first ask found it (those teach nothing about when to ask again).
    pub fn ready(&self, class: Class, waited: Duration, at_once: bool) {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let seen = &mut seen[class.index()];
        remember(&mut seen.at_once, at_once);
        if !at_once {
            remember(&mut seen.late, waited);
        }
    }

    /// The first and third quartile of the recent late results, once enough were seen.
    fn band(&self, class: Class) -> Option<(Duration, Duration)> {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let late = &seen[class.index()].late;
        if late.len() < LEARNED_AFTER {
            return None;
        }
        let mut sorted: Vec<Duration> = late.iter().copied().collect();
        sorted.sort_unstable();
        let at = |q: usize| sorted[(sorted.len() - 1) * q / 4];
        Some((at(1), at(3)))
    }
}

/// The pause past the learned band, or before anything was learned: a query is asked again on
/// `pause_after`'s schedule (its first rows as soon as they come); any other statement after a
/// quarter of what it has waited, so a result that takes long costs tens of asks rather than
/// hundreds (an EXPLAIN plans for tens of ms, an INSERT's job id comes with its submission), and
/// is found at most a quarter late. Never under 1 ms: no busy poll.
fn unlearned(class: Class, waited: Duration) -> Duration {
    let pause = match class {
        Class::Query => super::pause_after(waited),
        Class::Job | Class::Other => waited / 4,
    };
    pause.max(SHORTEST)
}

/// Sleeps `pause`. The runtime's timer wakes on whole milliseconds, so a short pause is slept by
/// a thread of the blocking pool, which wakes within tens of µs; dropping the future (a signal)
/// leaves that thread to finish its short sleep alone.
pub async fn sleep(pause: Duration) {
    if pause.is_zero() {
        return;
    }
    if pause >= PRECISE_BELOW {
        return tokio::time::sleep(pause).await;
    }
    let slept = tokio::task::spawn_blocking(move || std::thread::sleep(pause)).await;
    if slept.is_err() {
        // No blocking pool (the runtime is shutting down): the timer is still a pause.
        tokio::time::sleep(pause).await;
    }
}

/// When a first page became ready, as best known: halfway between the last answer that said it
/// was not (`not_ready_until`, after the POST was answered) and the ask that found it
/// (`found_at`). The ask's own time alone would also count how late the pause before it woke:
/// on a loaded machine that overshoot would be learned, make the next pauses longer, and grow.
pub fn became_ready(not_ready_until: Option<Duration>, found_at: Duration) -> Duration {
    match not_ready_until {
        Some(before) if before < found_at => before + (found_at - before) / 2,
        Some(_) => found_at,
        None => found_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn taught(late: &[u64]) -> Pace {
        let pace = Pace::new();
        for &n in late {
            pace.ready(Class::Other, ms(n), false);
        }
        pace
    }

    #[test]
    fn before_anything_is_learned_the_pause_is_pause_afters_but_never_a_busy_poll() {
        let pace = Pace::new();
        let asks: Vec<u64> = [0, 5, 50, 500, 2000, 6000]
            .iter()
            .map(|&w| pace.pause(Class::Query, ms(w)).as_millis() as u64)
            .collect();
        assert_eq!(asks, [1, 1, 1, 5, 50, 250]);
    }

    #[test]
    fn other_statements_back_off_by_a_quarter_of_their_wait_before_anything_is_learned() {
        let pace = Pace::new();
        let asks: Vec<u64> = [0, 2, 8, 40, 400, 4000]
            .iter()
            .map(|&w| pace.pause(Class::Other, ms(w)).as_millis() as u64)
            .collect();
        assert_eq!(asks, [1, 1, 2, 10, 100, 250]);
        // Asking this way until a 30 ms EXPLAIN is ready takes half the asks of 1 ms pauses.
        let (mut waited, mut asks) = (Duration::ZERO, 1);
        while waited < ms(30) {
            waited += pace.pause(Class::Job, waited);
            asks += 1;
        }
        assert!(asks <= 15, "{asks}");
        assert!(waited < ms(38), "{waited:?}");
    }

    #[test]
    fn results_ready_at_the_first_ask_teach_nothing_of_when_to_ask_again() {
        let pace = Pace::new();
        for _ in 0..10 {
            pace.ready(Class::Other, ms(0), true);
        }
        assert_eq!(pace.pause(Class::Other, ms(0)), ms(1));
        assert_eq!(pace.first_ask(Class::Other), Duration::ZERO);
    }

    #[test]
    fn the_first_ask_waits_only_while_fewer_than_a_quarter_were_ready_at_once() {
        let pace = taught(&[4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(
            pace.first_ask(Class::Other),
            ms(6),
            "none of 9 was ready at once"
        );
        for _ in 0..2 {
            pace.ready(Class::Other, ms(0), true);
        }
        let late = pace.first_ask(Class::Other);
        assert_eq!(late, ms(6), "2 of 11 is less than a quarter");
        pace.ready(Class::Other, ms(0), true);
        let at_once = pace.first_ask(Class::Other);
        assert_eq!(at_once, Duration::ZERO, "3 of 12 is a quarter");
        assert_eq!(
            pace.first_ask(Class::Query),
            Duration::ZERO,
            "queries learned nothing"
        );
    }

    #[test]
    fn the_next_ask_waits_for_the_quickest_quarter_of_the_late_results() {
        // Quartiles of 4..=12 ms: 6 and 10.
        let pace = taught(&[4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(pace.pause(Class::Other, ms(0)), ms(6));
        assert_eq!(pace.pause(Class::Other, ms(2)), ms(4));
    }

    #[test]
    fn the_band_is_walked_in_a_few_steps_then_the_pause_grows_with_the_wait() {
        let pace = taught(&[4, 5, 6, 7, 8, 9, 10, 11, 12]);
        let step = pace.pause(Class::Other, ms(6));
        assert!(step >= ms(1) && step < ms(2), "{step:?}");
        assert_eq!(
            pace.pause(Class::Other, ms(10)),
            Duration::from_micros(2500)
        );
        assert_eq!(pace.pause(Class::Other, ms(400)), ms(100));
        assert_eq!(pace.pause(Class::Other, ms(4000)), LONGEST);
        // A query past its band keeps `pause_after`'s schedule.
        for n in [4, 5, 6, 7, 8, 9, 10, 11, 12] {
            pace.ready(Class::Query, ms(n), false);
        }
        assert_eq!(pace.pause(Class::Query, ms(10)), ms(1));
        assert_eq!(pace.pause(Class::Query, ms(400)), ms(5));
        assert_eq!(pace.pause(Class::Query, ms(4000)), ms(50));
    }

    #[test]
    fn a_result_became_ready_between_the_last_not_ready_answer_and_the_ask_that_found_it() {
        assert_eq!(became_ready(Some(ms(2)), ms(10)), ms(6));
        assert_eq!(became_ready(None, ms(4)), ms(4));
        assert_eq!(became_ready(Some(ms(5)), ms(5)), ms(5));
        // Not ready at 2 ms, found at 22 by a pause that woke late: 12 ms is learned, not 22,
        // so the next waits do not grow with the overshoot.
        let pace = Pace::new();
        for _ in 0..8 {
            pace.ready(Class::Other, became_ready(Some(ms(2)), ms(22)), false);
        }
        assert_eq!(pace.pause(Class::Other, ms(0)), ms(12));
    }

    #[test]
    fn a_narrow_band_is_walked_in_steps_of_at_least_100_us() {
        let pace = taught(&[3, 3, 3, 3, 3]);
        assert_eq!(pace.pause(Class::Other, ms(0)), ms(3));
        assert_eq!(pace.pause(Class::Other, ms(3)), ms(1), "past the band");
        let us = Duration::from_micros;
        let pace = Pace::new();
        for n in [780, 800, 810, 820, 830, 900] {
            pace.ready(Class::Other, us(n), false);
        }
        assert_eq!(pace.pause(Class::Other, us(0)), us(800));
        assert_eq!(pace.pause(Class::Other, us(800)), STEP);
    }

    #[tokio::test]
    async fn short_pauses_are_slept_to_the_microsecond_not_to_the_next_tick() {
        // Only that a short pause sleeps at least its length, on either path; how precisely is
        // measured in bench/run.sh, never in a timed test.
        for pause in [Duration::from_micros(300), ms(5)] {
            let start = std::time::Instant::now();
            sleep(pause).await;
            assert!(start.elapsed() >= pause);
        }
    }

    #[test]
    fn kinds_learn_apart_and_only_recent_results_count() {
        let pace = taught(&[2, 2, 2, 2]);
        assert_eq!(
            pace.pause(Class::Query, ms(0)),
            ms(1),
            "queries learned nothing"
        );
        for _ in 0..REMEMBERED {
            pace.ready(Class::Other, ms(20), false);
        }
        assert_eq!(
            pace.pause(Class::Other, ms(0)),
            ms(20),
            "the old 2 ms results are gone"
        );
    }
}
