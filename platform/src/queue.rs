//! The embedded queue: jobs wait in the database and in-process workers claim them, by priority.
//!
//! The rule: a worker's turns go high, high, normal, high, high, normal, high, low, and repeat;
//! on a turn whose priority has nothing queued it takes the highest priority that has a job. So
//! high goes before normal before low, and under a steady high load a waiting low job still gets
//! one turn in eight of every worker (normal two in eight): none starves.

use crate::db::{Db, JobRow};

/// A job's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    High,
    Normal,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Normal, Priority::Low];

    pub fn name(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    pub fn parse(name: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A worker's repeating turns.
pub const TURNS: [Priority; 8] = [
    Priority::High,
    Priority::High,
    Priority::Normal,
    Priority::High,
    Priority::High,
    Priority::Normal,
    Priority::High,
    Priority::Low,
];

/// The priorities tried on turn `turn`: the turn's own, then the others from high to low.
pub fn order(turn: usize) -> Vec<Priority> {
    let first = TURNS[turn % TURNS.len()];
    std::iter::once(first)
        .chain(Priority::ALL.into_iter().filter(|p| *p != first))
        .collect()
}

/// Claims the next job for `worker` on its turn `turn`.
pub async fn claim_next(db: &Db, turn: usize, worker: &str) -> Result<Option<JobRow>, sqlx::Error> {
    for priority in order(turn) {
        if let Some(job) = db.claim(priority.name(), worker).await? {
            return Ok(Some(job));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_eight_turns_give_high_five_normal_two_low_one() {
        let firsts: Vec<Priority> = (0..8).map(|t| order(t)[0]).collect();
        let count = |p| firsts.iter().filter(|f| **f == p).count();
        assert_eq!(
            (
                count(Priority::High),
                count(Priority::Normal),
                count(Priority::Low)
            ),
            (5, 2, 1)
        );
        // A low turn falls to high, then normal, when nothing low waits.
        assert_eq!(
            order(7),
            vec![Priority::Low, Priority::High, Priority::Normal]
        );
    }
}
