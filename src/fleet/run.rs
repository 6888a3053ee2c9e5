//! Run many checks on one tokio runtime: at most `jobs` at once, at most
//! `per_endpoint` at once against one host:port, all within an optional
//! deadline. An unreachable endpoint is a result, never an abort.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;

use super::inventory::{Entry, Expect, InputError};
use crate::facts::connect::{Attempt, ConnectError};
use crate::judge::findings::Severity;
use crate::observe::{self, Facts};
use crate::report::{Checked, Report};
use crate::request::{Env, TlsVersion};
use crate::settings::{self, Plan};

/// Default of `--jobs`: checks are network waits, so many can run on few cores.
pub const DEFAULT_JOBS: usize = 32;
/// Default of `--per-endpoint`: a fleet run never looks like a flood to one server.
pub const DEFAULT_PER_ENDPOINT: usize = 2;

/// One endpoint, resolved.
#[derive(Debug, Clone)]
pub struct Job {
    /// The inventory's name, else the target as typed (password masked).
    pub name: String,
    pub entry: Entry,
    pub plan: Plan,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub jobs: usize,
    pub per_endpoint: usize,
    pub deadline: Option<Duration>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: DEFAULT_JOBS,
            per_endpoint: DEFAULT_PER_ENDPOINT,
            deadline: None,
        }
    }
}

/// Resolve every entry's plan (reading its files: CA, identity), before any
/// connection. Entries asking the same thing as an earlier one are checked
/// once: the notes say which.
pub fn prepare(entries: Vec<Entry>, env: &dyn Env) -> Result<(Vec<Job>, Vec<String>), InputError> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut jobs = Vec::new();
    let mut notes = Vec::new();
    for entry in entries {
        let key = format!("{:?}|{:?}|{:?}", entry.request, entry.expect, entry.min_tls);
        if let Some(first) = seen.get(&key) {
            notes.push(format!(
                "{}: same target and options as {first}: checked once",
                entry.origin
            ));
            continue;
        }
        seen.insert(key, entry.origin.clone());
        let plan = settings::resolve(&entry.request, env).map_err(|e| InputError {
            origin: entry.origin.clone(),
            key: None,
            message: e.to_string(),
        })?;
        let name = entry.name.clone().unwrap_or_else(|| plan.display.clone());
        jobs.push(Job { name, entry, plan });
    }
    Ok((jobs, notes))
}

/// How an endpoint came out, its expectation applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    /// Passes, with warnings (a certificate expiring soon, …).
    Warn,
    Fail,
    Unreachable,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Unreachable => "unreachable",
        }
    }

    /// Worst first: as the exit code ranks them (3 unreachable, 1 fail),
    /// then warnings, then passes.
    pub fn rank(self) -> u8 {
        match self {
            Status::Unreachable => 3,
            Status::Fail => 2,
            Status::Warn => 1,
            Status::Pass => 0,
        }
    }
}

/// One endpoint's result.
#[derive(Debug, Clone)]
pub struct EndpointResult {
    /// Position in the input, for stable output.
    pub index: usize,
    pub name: String,
    pub origin: String,
    pub expect: Expect,
    pub min_tls: Option<TlsVersion>,
    pub checked: Checked,
    /// The check's own exit code.
    pub check_code: i32,
    /// With the expectation applied: what the run's exit code counts.
    pub exit_code: i32,
    pub status: Status,
    /// Why, in words.
    pub reason: String,
    pub seconds: f64,
}

impl EndpointResult {
    /// `host:port (protocol)` of the first host checked.
    pub fn address(&self) -> String {
        match &self.checked {
            Checked::One(r) => format!("{}:{}", r.target.host, r.target.port),
            Checked::Many(m) => m
                .hosts
                .iter()
                .map(|r| format!("{}:{}", r.target.host, r.target.port))
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    pub fn protocol(&self) -> &'static str {
        let r = match &self.checked {
            Checked::One(r) => Some(&**r),
            Checked::Many(m) => m.hosts.first(),
        };
        r.map_or("mongo", |r| r.target.protocol.name())
    }

    /// Every host's report.
    pub fn reports(&self) -> Vec<&Report> {
        match &self.checked {
            Checked::One(r) => vec![&**r],
            Checked::Many(m) => m.hosts.iter().collect(),
        }
    }
}

/// The run's exit code: the worst endpoint's (3 above 1 above 0), each with
/// its expectation applied.
pub fn exit_code(results: &[EndpointResult]) -> i32 {
    results.iter().map(|r| r.exit_code).max().unwrap_or(0)
}

/// Run every job and return the results in input order; `on_done` sees each
/// as it finishes (for the progress bar).
pub fn run(
    jobs: Vec<Job>,
    opts: Options,
    on_done: impl FnMut(&EndpointResult),
) -> std::io::Result<Vec<EndpointResult>> {
    crate::check::share_trust_stores();
    run_with(jobs, opts, on_done, |plan| async move {
        crate::check::run_target(&plan).await
    })
}

/// [`run`] with the check to make of each plan (tests give their own).
fn run_with<C, F>(
    jobs: Vec<Job>,
    opts: Options,
    mut on_done: impl FnMut(&EndpointResult),
    check: C,
) -> std::io::Result<Vec<EndpointResult>>
where
    C: Fn(Plan) -> F + Copy + Send + Sync + 'static,
    F: std::future::Future<Output = Checked> + Send + 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let deadline = opts.deadline.map(|d| tokio::time::Instant::now() + d);
    let global = Arc::new(Semaphore::new(opts.jobs.max(1)));
    let mut per_host: HashMap<(String, u16), Arc<Semaphore>> = HashMap::new();
    let mut results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (index, job) in jobs.into_iter().enumerate() {
            let host_key = (job.plan.host.to_ascii_lowercase(), job.plan.port);
            let slots = Slots {
                host: per_host
                    .entry(host_key)
                    .or_insert_with(|| Arc::new(Semaphore::new(opts.per_endpoint.max(1))))
                    .clone(),
                run: global.clone(),
            };
            set.spawn(one_job(index, job, slots, deadline, opts.deadline, check));
        }
        let mut out = Vec::new();
        while let Some(done) = set.join_next().await {
            // one_job itself does not panic: a check's panic is its result.
            if let Ok(r) = done {
                on_done(&r);
                out.push(r);
            }
        }
        out
    });
    results.sort_by_key(|r| r.index);
    Ok(results)
}

/// The slots a job waits for: its host's and the run's.
struct Slots {
    host: Arc<Semaphore>,
    run: Arc<Semaphore>,
}

/// One endpoint of a run: wait for its slots, check it within the deadline,
/// apply its expectation. The check runs as a task of its own, so that a
/// panic in it (a bug) is this endpoint's result, not a result lost.
async fn one_job<C, F>(
    index: usize,
    job: Job,
    slots: Slots,
    deadline: Option<tokio::time::Instant>,
    limit: Option<Duration>,
    check: C,
) -> EndpointResult
where
    C: Fn(Plan) -> F,
    F: std::future::Future<Output = Checked> + Send + 'static,
{
    let started = Instant::now();
    let work = async {
        // The host's slot first, so that a job waiting for a busy host does
        // not hold one of the run's slots.
        let _h = slots.host.acquire().await.ok();
        let _g = slots.run.acquire().await.ok();
        let mut task = AbortOnDrop(tokio::spawn(check(job.plan.clone())));
        match (&mut task.0).await {
            Ok(c) => c,
            Err(e) => Checked::One(Box::new(unchecked(&job.plan, crashed(e)))),
        }
    };
    let checked = match deadline {
        Some(d) => match tokio::time::timeout_at(d, work).await {
            Ok(c) => c,
            Err(_) => Checked::One(Box::new(unchecked(
                &job.plan,
                past_deadline(limit.unwrap_or_default()),
            ))),
        },
        None => work.await,
    };
    judge_expectation(index, job, checked, started.elapsed().as_secs_f64())
}

/// A check's task, ended when the job is (the deadline cut it short).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Why a check the deadline cut short has no result.
fn past_deadline(limit: Duration) -> String {
    format!(
        "not finished within the run's --deadline of {} s",
        limit.as_secs_f64()
    )
}

/// Why a check's task ended without a result, in words.
fn crashed(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return "the check was cancelled".into();
    }
    let panic = e.into_panic();
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("tlscheck's check of this endpoint panicked (a bug in tlscheck: please report it): {message}")
}

/// One check (one TARGET, `main.rs`'s path) within an optional deadline,
/// the whole run's limit as for many targets: cut short, it is reported
/// unreachable as a fleet run reports it. The check runs on a thread of its
/// own, so that the deadline holds even while it blocks one; a check cut
/// short is left to end with the process.
pub fn run_one(plan: &Plan, deadline: Option<Duration>) -> std::io::Result<Checked> {
    let Some(limit) = deadline else {
        return crate::check::run_target_blocking(plan);
    };
    let (done, result) = std::sync::mpsc::channel();
    let task_plan = plan.clone();
    let worker = std::thread::spawn(move || {
        let _ = done.send(crate::check::run_target_blocking(&task_plan));
    });
    match result.recv_timeout(limit) {
        Ok(checked) => checked,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Ok(Checked::One(Box::new(unchecked(
            plan,
            past_deadline(limit),
        )))),
        // The thread ended without a result: it panicked; so does the run.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => Err(std::io::Error::other("the check ended without a result")),
        },
    }
}

/// The report of an endpoint left unchecked (the deadline cut its check
/// short; its check panicked): unreachable, as a timeout is, and `error`
/// says why.
fn unchecked(plan: &Plan, error: String) -> Report {
    let mut facts = Facts::new(observe::now_unix());
    facts.connect_error = Some(ConnectError::Failed {
        attempts: vec![Attempt {
            address: format!("{}:{}", plan.host, plan.port),
            error,
        }],
    });
    let trust = crate::judge::Trust {
        os: empty_source(crate::trust::SourceKind::Os, "OS store"),
        mozilla: empty_source(crate::trust::SourceKind::Mozilla, "Mozilla bundle"),
        node: None,
        java: None,
        ca_file: None,
        crls: Default::default(),
    };
    let judgement = crate::judge::judge(&facts, plan, &trust);
    Report::new(plan, facts, judgement)
}

/// A trust source with nothing in it: a check that never connected has no
/// chain to verify.
fn empty_source(kind: crate::trust::SourceKind, label: &str) -> crate::trust::TrustSource {
    crate::trust::TrustSource {
        kind,
        label: label.into(),
        location: None,
        anchors: Vec::new(),
        certs: Vec::new(),
        anchor_certs: Vec::new(),
        errors: Vec::new(),
    }
}

/// Apply the endpoint's expectation (`expect`, `min_tls`) to its check.
fn judge_expectation(index: usize, job: Job, checked: Checked, seconds: f64) -> EndpointResult {
    let check_code = checked.exit_code();
    let reports: Vec<&Report> = match &checked {
        Checked::One(r) => vec![&**r],
        Checked::Many(m) => m.hosts.iter().collect(),
    };
    let mut reason = match &checked {
        Checked::One(r) => r.judgement.verdict.reason.clone(),
        Checked::Many(m) => m.summary.line.clone(),
    };
    let mut code = check_code;
    // min_tls: every host's session must be at least that version.
    if let (Some(min), 0) = (job.entry.min_tls, code) {
        let low = reports.iter().find_map(|r| {
            let v = r
                .facts
                .tls
                .as_ref()
                .and_then(|t| t.session.as_ref())
                .map(|s| s.version.clone());
            match v {
                Some(v) if version_at_least(&v, min) => None,
                Some(v) => Some(format!(
                    "{}:{} negotiated {v}",
                    r.target.host, r.target.port
                )),
                None => Some(format!(
                    "{}:{} made no TLS session",
                    r.target.host, r.target.port
                )),
            }
        });
        if let Some(low) = low {
            code = 1;
            reason = format!("{low}; the inventory expects at least {}", min.name());
        }
    }
    match (job.entry.expect, code) {
        (Expect::Pass, _) => {}
        (Expect::Fail, 1) => {
            code = 0;
            reason = format!("fails, as expected: {reason}");
        }
        (Expect::Fail, 0) => {
            code = 1;
            reason = format!("expected to fail, but passes: {reason}");
        }
        (Expect::Unreachable, 3) => {
            code = 0;
            reason = format!("unreachable, as expected: {reason}");
        }
        (Expect::Unreachable, _) => {
            code = 1;
            reason = format!("expected to be unreachable, but answers: {reason}");
        }
        (Expect::Fail, _) => {}
    }
    let warned = reports.iter().any(|r| {
        r.judgement
            .findings
            .iter()
            .any(|f| f.severity == Severity::Warning)
    });
    let status = match code {
        0 if warned && job.entry.expect == Expect::Pass => Status::Warn,
        0 => Status::Pass,
        3 => Status::Unreachable,
        _ => Status::Fail,
    };
    EndpointResult {
        index,
        name: job.name,
        origin: job.entry.origin,
        expect: job.entry.expect,
        min_tls: job.entry.min_tls,
        checked,
        check_code,
        exit_code: code,
        status,
        reason,
        seconds,
    }
}

/// Whether a session's version (`TLSv1.2`) is at least `min`.
fn version_at_least(version: &str, min: TlsVersion) -> bool {
    let rank = |v: &str| match v {
        "TLSv1.3" => 4,
        "TLSv1.2" => 3,
        "TLSv1.1" => 2,
        "TLSv1" | "TLSv1.0" => 1,
        _ => 0,
    };
    rank(version) >= rank(min.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::inventory::Expect;
    use crate::request::{ProcessEnv, Request};

    fn jobs(targets: &[&str]) -> Vec<Job> {
        let entries = targets
            .iter()
            .enumerate()
            .map(|(i, t)| Entry {
                name: None,
                origin: format!("argument {}", i + 1),
                request: Request::new(*t),
                expect: Expect::Pass,
                min_tls: None,
            })
            .collect();
        prepare(entries, &ProcessEnv).unwrap().0
    }

    /// A check that panics (a bug) is still its endpoint's result, and the
    /// run's exit code counts it: it must not vanish from the run.
    #[test]
    fn a_check_that_panics_is_its_endpoints_result() {
        let check = |plan: Plan| async move {
            if plan.port == 1 {
                panic!("on purpose, port 1");
            }
            Checked::One(Box::new(unchecked(&plan, "a stand-in check".into())))
        };
        let jobs = jobs(&["127.0.0.1:1", "127.0.0.1:2"]);
        let results = run_with(jobs, Options::default(), |_| {}, check).unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].status, Status::Unreachable);
        assert!(
            results[0].reason.contains("panicked") && results[0].reason.contains("port 1"),
            "{}",
            results[0].reason
        );
        assert!(
            results[1].reason.contains("a stand-in check"),
            "{}",
            results[1].reason
        );
        assert_eq!(exit_code(&results), 3);
    }
}
