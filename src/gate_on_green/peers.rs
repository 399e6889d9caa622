//! Other gates on the same commit. Two gates that each wait for every check would wait on each
//! other until the timeout (a matrix `deploy (eu)` / `deploy (us)`, or staging and production
//! workflows). A job is another gate when the step it is running has the name of the step this
//! gate runs (the action's `Run …/gate-on-green@v1`, or the same `name:`). Gates go in the
//! order their jobs were created (job id, which GitHub assigns in that order): a gate waits for
//! the gates before it and never for those after it, so no two ever wait on each other. No I/O.

use crate::github::models::Job;
use std::collections::BTreeSet;

/// What this gate does not wait for: the check runs of later gates, and the workflow runs they
/// are in (whose jobs after the gate cannot start before it passes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaterGates {
    pub check_runs: BTreeSet<u64>,
    pub workflow_runs: BTreeSet<u64>,
}

impl LaterGates {
    pub fn extend(&mut self, other: LaterGates) {
        self.check_runs.extend(other.check_runs);
        self.workflow_runs.extend(other.workflow_runs);
    }
}

/// The step this gate runs: its own job's step in progress.
pub fn own_step(own_id: u64, own_jobs: &[Job]) -> Option<String> {
    own_jobs
        .iter()
        .find(|j| j.id == own_id)
        .and_then(Job::running_step)
        .map(str::to_string)
}

/// The later gates among `jobs` (each with its workflow run id).
pub fn later_gates(own_id: u64, own_step: &str, jobs: &[(u64, Job)]) -> LaterGates {
    let mut later = LaterGates::default();
    for (run_id, job) in jobs {
        if job.id > own_id && job.running_step() == Some(own_step) {
            later.check_runs.insert(job.id);
            later.workflow_runs.insert(*run_id);
        }
    }
    later
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::models::Step;

    fn job(id: u64, step: &str) -> Job {
        Job {
            id,
            name: format!("job {id}"),
            status: "in_progress".into(),
            runner_name: None,
            check_run_url: None,
            steps: vec![Step {
                name: step.into(),
                status: "in_progress".into(),
            }],
        }
    }

    #[test]
    fn only_gates_created_after_this_one_are_passed_over() {
        let gate = "Run ready-actions/ready-actions/gate-on-green@v1";
        let jobs = [
            (7, job(10, gate)),
            (7, job(12, gate)),
            (8, job(13, "Run tests")),
            (9, job(14, gate)),
        ];
        let later = later_gates(11, gate, &jobs);
        assert_eq!(later.check_runs, BTreeSet::from([12, 14]));
        assert_eq!(later.workflow_runs, BTreeSet::from([7, 9]));
        // The earliest gate passes over every other; the latest waits for all.
        assert_eq!(later_gates(10, gate, &jobs).check_runs.len(), 2);
        assert!(later_gates(14, gate, &jobs).check_runs.is_empty());
    }
}
