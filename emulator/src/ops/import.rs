//! User import (SigV4-signed): CreateUserImportJob, StartUserImportJob, StopUserImportJob,
//! DescribeUserImportJob, ListUserImportJobs, and the upload of the CSV to the job's
//! `PreSignedUrl` — an HTTP PUT the emulator itself accepts (see [`accept_upload`]).
//!
//! The file is imported when the job starts, in that one call: the job goes from `Created`
//! straight to `Succeeded` (or `Failed` when the file as a whole is unusable). Imported users
//! arrive in `RESET_REQUIRED`, like the service's, and must reset their password before they can
//! sign in.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::{self, date};
use crate::lifecycle::{schema, users};
use crate::model::{status, ImportJob, Pool};
use crate::params::Params;

/// Import jobs a pool keeps; more are refused with LimitExceededException.
pub const JOBS_PER_POOL: usize = 50;

fn validation(member: &str, constraint: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

fn check_len(member: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    let count = value.chars().count();
    if count < min || count > max {
        return Err(validation(
            member,
            &format!("Member must have length between {min} and {max}"),
        ));
    }
    Ok(())
}

/// `JobId`: `import-[0-9a-zA-Z-]+`, 1–55 characters.
fn check_job_id(job_id: &str) -> ApiResult<()> {
    check_len("jobId", job_id, 1, 55)?;
    let valid = job_id.strip_prefix("import-").is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if valid {
        Ok(())
    } else {
        Err(validation(
            "jobId",
            "Member must satisfy regular expression pattern: import-[0-9a-zA-Z-]+",
        ))
    }
}

/// A role ARN: `arn:{partition}:{service}:{region?}:{account}:{resource}`.
fn check_role_arn(arn: &str) -> ApiResult<()> {
    check_len("cloudWatchLogsRoleArn", arn, 20, 2048)?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = match parts.as_slice() {
        ["arn", partition, service, _region, account, resource] => {
            !partition.is_empty()
                && !service.is_empty()
                && !account.is_empty()
                && account.bytes().all(|b| b.is_ascii_digit())
                && !resource.is_empty()
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(validation(
            "cloudWatchLogsRoleArn",
            "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?",
        ))
    }
}

/// The URL the CSV is PUT to: on the emulator itself, named by the job's secret token.
fn upload_url(app: &App, pool_id: &str, token: &str) -> String {
    format!("{}/user-import/{token}", app.issuer(pool_id))
}

/// `UserImportJobType`.
fn job_type(app: &App, pool_id: &str, job: &ImportJob) -> Value {
    let mut out = json!({
        "JobName": job.job_name,
        "JobId": job.job_id,
        "UserPoolId": pool_id,
        "PreSignedUrl": upload_url(app, pool_id, &job.upload_token),
        "CreationDate": date(job.created),
        "Status": job.status,
        "CloudWatchLogsRoleArn": job.cloud_watch_logs_role_arn,
        "ImportedUsers": job.imported_users,
        "SkippedUsers": job.skipped_users,
        "FailedUsers": job.failed_users,
    });
    if let Some(started) = job.started {
        out["StartDate"] = date(started);
    }
    if let Some(completed) = job.completed {
        out["CompletionDate"] = date(completed);
    }
    if let Some(message) = &job.completion_message {
        out["CompletionMessage"] = json!(message);
    }
    out
}

fn job_not_found(job_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("Import job {job_id} does not exist."))
}

/// CreateUserImportJob.
pub fn create_user_import_job(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let job_name = params.req_str("JobName")?;
    check_len("jobName", job_name, 1, 128)?;
    if !job_name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c))
    {
        return Err(validation(
            "jobName",
            "Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+",
        ));
    }
    let pool_id = params.req_str("UserPoolId")?;
    let role = params.req_str("CloudWatchLogsRoleArn")?;
    check_role_arn(role)?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if pool.import_jobs.len() >= JOBS_PER_POOL {
            return Err(ApiError::new(
                "LimitExceededException",
                format!("A user pool keeps at most {JOBS_PER_POOL} import jobs."),
            ));
        }
        let job_id = format!(
            "import-{}",
            crypto::random_string(
                b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                10
            )
        );
        let job = ImportJob {
            job_id: job_id.clone(),
            job_name: job_name.to_string(),
            cloud_watch_logs_role_arn: role.to_string(),
            upload_token: crypto::hex(&crypto::random_bytes(32)),
            csv: None,
            status: "Created".to_string(),
            created: now,
            started: None,
            completed: None,
            imported_users: 0,
            skipped_users: 0,
            failed_users: 0,
            completion_message: None,
        };
        let out = job_type(app, pool_id, &job);
        pool.import_jobs.insert(job_id, job);
        Ok(json!({ "UserImportJob": out }))
    })
}

/// The `UserPoolId` and `JobId` of a job operation.
/// Ends the jobs that a previous run of the emulator left running (it stopped in the middle of an
/// import): the users imported so far stay, a job that was stopping is `Stopped`, any other `Failed`,
/// and the completion message says why — rather than a job that stays `InProgress` for ever.
pub fn end_interrupted(db: &mut crate::model::Db, now: i64) {
    db.pools.update_each(|_, pool| {
        let mut changed = false;
        pool.import_jobs.update_each(|_, job| {
            let (status, message) = match job.status.as_str() {
                "Stopping" => ("Stopped", "Import Job Stopped."),
                "Pending" | "InProgress" => (
                    "Failed",
                    "The emulator stopped while the job ran; the users imported before stay.",
                ),
                _ => return false,
            };
            job.status = status.to_string();
            job.completion_message = Some(message.to_string());
            job.completed = Some(now);
            job.csv = None;
            changed = true;
            true
        });
        changed
    });
}

fn job_params<'a>(params: &Params<'a>) -> ApiResult<(&'a str, &'a str)> {
    let pool_id = params.req_str("UserPoolId")?;
    let job_id = params.req_str("JobId")?;
    check_job_id(job_id)?;
    Ok((pool_id, job_id))
}

/// DescribeUserImportJob.
pub fn describe_user_import_job(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let (pool_id, job_id) = job_params(&params)?;
    app.read(|db| {
        let job = db
            .pool(pool_id)?
            .import_jobs
            .get(job_id)
            .ok_or_else(|| job_not_found(job_id))?;
        Ok(json!({ "UserImportJob": job_type(app, pool_id, job) }))
    })
}

/// ListUserImportJobs: `MaxResults` (required, 1–60), oldest first.
pub fn list_user_import_jobs(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let limit = match params.opt_i64("MaxResults")? {
        None => return Err(ApiError::missing_member("MaxResults")),
        Some(n) if (1..=60).contains(&n) => n as usize,
        Some(n) => return Err(ApiError::out_of_range("maxResults", n, 1, 60)),
    };
    let token = params.opt_str("PaginationToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let mut jobs: Vec<&ImportJob> = pool.import_jobs.values().collect();
        jobs.sort_by(|a, b| (a.created, &a.job_id).cmp(&(b.created, &b.job_id)));
        let scope = format!("ListUserImportJobs {pool_id}");
        let (range, next) = common::page(&scope, token, limit, jobs.len())?;
        let page: Vec<Value> = jobs
            .get(range)
            .unwrap_or_default()
            .iter()
            .map(|job| job_type(app, pool_id, job))
            .collect();
        let mut out = json!({ "UserImportJobs": page });
        if let Some(next) = next {
            out["PaginationToken"] = json!(next);
        }
        Ok(out)
    })
}

/// Rows imported per hold of the state lock: other requests go on between batches, and see the
/// job `InProgress` with its counts so far.
const ROWS_PER_BATCH: usize = 100;

/// The job `job_id` of `pool`, mutable.
fn job_mut<'a>(pool: &'a mut Pool, job_id: &str) -> ApiResult<&'a mut ImportJob> {
    pool.import_jobs
        .get_mut(job_id)
        .ok_or_else(|| job_not_found(job_id))
}

/// StartUserImportJob: imports the uploaded file before it answers. The job is `InProgress`
/// while its rows are imported in batches (StopUserImportJob meanwhile stops it after the
/// current batch, the rest counted as skipped), then `Succeeded`, `Stopped`, or `Failed` when
/// the file as a whole is unusable.
pub fn start_user_import_job(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let (pool_id, job_id) = job_params(&params)?;
    let (csv, allowed) = app.write(|db| {
        let now = app.now();
        let pool = db.pool_mut(pool_id)?;
        let allowed = schema::csv_header(pool);
        let job = job_mut(pool, job_id)?;
        if job.status != "Created" {
            return Err(ApiError::invalid_parameter(format!(
                "The job cannot be started: its status is {}.",
                job.status
            )));
        }
        let csv = job.csv.take().ok_or_else(|| {
            ApiError::new(
                "PreconditionNotMetException",
                "The .csv file has not been uploaded to the job's PreSignedUrl.",
            )
        })?;
        job.status = "InProgress".to_string();
        job.started = Some(now);
        Ok((csv, allowed))
    })?;
    let parsed = parse(&csv, &allowed);
    drop(csv);
    let (rows, unreadable) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => {
            return app.write(|db| {
                let now = app.now();
                let job = job_mut(db.pool_mut(pool_id)?, job_id)?;
                job.status = "Failed".to_string();
                job.completed = Some(now);
                job.completion_message = Some(message);
                Ok(json!({ "UserImportJob": job_type(app, pool_id, job) }))
            });
        }
    };
    app.write(|db| {
        job_mut(db.pool_mut(pool_id)?, job_id)?.failed_users = unreadable;
        Ok(())
    })?;
    let mut done = 0usize;
    for batch in rows.chunks(ROWS_PER_BATCH) {
        let stopping = app.write(|db| {
            let now = app.now();
            let pool = db.pool_mut(pool_id)?;
            if job_mut(pool, job_id)?.status == "Stopping" {
                return Ok(true);
            }
            let (mut imported, mut failed) = (0, 0);
            for row in batch {
                let cells: Vec<(&str, &str)> =
                    row.iter().map(|(c, v)| (c.as_str(), v.as_str())).collect();
                match import_row(pool, &cells, now) {
                    Ok(()) => imported += 1,
                    Err(_) => failed += 1,
                }
            }
            let job = job_mut(pool, job_id)?;
            job.imported_users += imported;
            job.failed_users += failed;
            Ok(false)
        })?;
        if stopping {
            break;
        }
        done += batch.len();
        // Let the requests waiting for the state in (the lock is not fair: released and taken
        // again at once, it would keep every other request of the emulator out until the end).
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let remaining = (rows.len() - done.min(rows.len())) as i64;
    app.write(|db| {
        let now = app.now();
        let job = job_mut(db.pool_mut(pool_id)?, job_id)?;
        job.completed = Some(now);
        if job.status == "Stopping" {
            job.status = "Stopped".to_string();
            job.skipped_users = remaining;
            job.completion_message = Some("Import Job Stopped.".to_string());
        } else {
            job.status = "Succeeded".to_string();
            job.completion_message = Some(if job.failed_users == 0 {
                "Import Job Completed Successfully.".to_string()
            } else {
                format!(
                    "Import Job Completed: {} users could not be imported.",
                    job.failed_users
                )
            });
        }
        Ok(json!({ "UserImportJob": job_type(app, pool_id, job) }))
    })
}

/// StopUserImportJob: a job that has not started stops for good; a running one becomes
/// `Stopping` and stops after its current batch; a finished one cannot stop.
pub fn stop_user_import_job(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let (pool_id, job_id) = job_params(&params)?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let job = pool
            .import_jobs
            .get_mut(job_id)
            .ok_or_else(|| job_not_found(job_id))?;
        match job.status.as_str() {
            "Created" => {
                job.status = "Stopped".to_string();
                job.csv = None;
                job.completed = Some(now);
                job.completion_message = Some("Import Job Stopped.".to_string());
            }
            "Pending" | "InProgress" => job.status = "Stopping".to_string(),
            other => {
                return Err(ApiError::invalid_parameter(format!(
                    "The job cannot be stopped: its status is {other}."
                )))
            }
        }
        let out = job_type(app, pool_id, job);
        Ok(json!({ "UserImportJob": out }))
    })
}

/// Why an upload to a `PreSignedUrl` was refused: the HTTP status and the error.
#[derive(Debug)]
pub struct UploadRefused {
    /// 403 for an unknown URL or a job past `Created`, 400 for a body that is not text.
    pub status: u16,
    /// The error in the service's shape.
    pub error: ApiError,
}

/// Stores the body of a PUT to a job's `PreSignedUrl` (`/{poolId}/user-import/{token}`). A
/// later upload replaces an earlier one until the job starts.
pub fn accept_upload(
    app: &App,
    pool_id: &str,
    token: &str,
    body: &[u8],
) -> Result<(), UploadRefused> {
    let denied = || UploadRefused {
        status: 403,
        error: ApiError::new("AccessDenied", "The upload URL is not valid."),
    };
    let text = std::str::from_utf8(body).map_err(|_| UploadRefused {
        status: 400,
        error: ApiError::invalid_parameter("The user import file must be UTF-8 text."),
    })?;
    let outcome = app.write(|db| {
        let Ok(pool) = db.pool_mut(pool_id) else {
            return Ok(Err(denied()));
        };
        let Some(job_id) = pool
            .import_jobs
            .values()
            .find(|job| crypto::ct_eq(job.upload_token.as_bytes(), token.as_bytes()))
            .map(|job| job.job_id.clone())
        else {
            return Ok(Err(denied()));
        };
        let Some(job) = pool.import_jobs.get_mut(&job_id) else {
            return Ok(Err(denied()));
        };
        if job.status != "Created" {
            return Ok(Err(UploadRefused {
                status: 403,
                error: ApiError::new(
                    "AccessDenied",
                    "The job has already started; its file can no longer change.",
                ),
            }));
        }
        job.csv = Some(text.to_string());
        Ok(Ok(()))
    });
    match outcome {
        Ok(result) => result,
        Err(error) => Err(UploadRefused {
            status: error.status,
            error,
        }),
    }
}

/// Columns every file must have.
const REQUIRED_COLUMNS: [&str; 2] = ["cognito:username", "cognito:mfa_enabled"];
/// Attributes holding `true` / `false`.
const BOOLEAN_COLUMNS: [&str; 2] = ["email_verified", "phone_number_verified"];

/// One row: (column, value) in header order.
type Row = Vec<(String, String)>;

/// Reads a CSV whose columns must come from `allowed` (the pool's GetCSVHeader). `Err` (the job
/// fails) when the file as a whole is unusable: no header, a column that is not allowed, a
/// column twice, a required one missing. Returns the rows and the number of unreadable ones
/// (a wrong number of fields), which count as failed.
fn parse(csv_text: &str, allowed: &[String]) -> Result<(Vec<Row>, i64), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("The file has no readable header line: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("The file has no header line.".to_string());
    }
    let mut seen = BTreeSet::new();
    for column in &header {
        if !allowed.contains(column) {
            return Err(format!(
                "The column {column} is not in the user pool's CSV header (GetCSVHeader)."
            ));
        }
        if !seen.insert(column.as_str()) {
            return Err(format!("The column {column} appears more than once."));
        }
    }
    for column in REQUIRED_COLUMNS {
        if !seen.contains(column) {
            return Err(format!("The required column {column} is missing."));
        }
    }
    let mut rows = Vec::new();
    let mut unreadable = 0;
    for record in reader.records() {
        match record {
            Ok(record) => rows.push(
                header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect(),
            ),
            Err(_) => unreadable += 1,
        }
    }
    Ok((rows, unreadable))
}

/// Imports one row; `Err` says why it failed.
fn import_row(pool: &mut Pool, row: &[(&str, &str)], now: i64) -> Result<(), String> {
    let cell = |name: &str| {
        row.iter()
            .find(|(column, _)| *column == name)
            .map(|(_, value)| *value)
            .unwrap_or_default()
    };
    let username = cell("cognito:username");
    if username.is_empty() {
        return Err("cognito:username is empty".to_string());
    }
    let mfa = match cell("cognito:mfa_enabled").to_ascii_lowercase().as_str() {
        "true" => true,
        "false" => false,
        other => {
            return Err(format!(
                "cognito:mfa_enabled is {other:?}, not true or false"
            ))
        }
    };
    let mut attributes: Vec<(String, String)> = Vec::new();
    for (column, value) in row {
        if column.starts_with("cognito:") || value.is_empty() {
            continue;
        }
        let value = if BOOLEAN_COLUMNS.contains(column) {
            match value.to_ascii_lowercase().as_str() {
                "true" => "true".to_string(),
                "false" => "false".to_string(),
                _ => return Err(format!("{column} is not true or false")),
            }
        } else {
            value.to_string()
        };
        attributes.push((column.to_string(), value));
    }
    let has = |name: &str| attributes.iter().any(|(n, _)| n == name);
    let verified = |name: &str| {
        attributes
            .iter()
            .any(|(n, v)| n == &format!("{name}_verified") && v == "true")
    };
    if verified("email") && !has("email") {
        return Err("email_verified is true without an email".to_string());
    }
    if verified("phone_number") && !has("phone_number") {
        return Err("phone_number_verified is true without a phone_number".to_string());
    }
    // The imported user must reset its password: it needs somewhere to receive the code.
    if !verified("email") && !verified("phone_number") {
        return Err("neither a verified email nor a verified phone_number".to_string());
    }
    if mfa && !has("phone_number") {
        return Err("cognito:mfa_enabled is true without a phone_number".to_string());
    }
    for required in common::required_attributes(pool) {
        if !has(&required) {
            return Err(format!("the required attribute {required} is missing"));
        }
    }
    // No password is imported: the verifier is of a random one nobody knows.
    let password = crypto::hex(&crypto::random_bytes(24));
    let username = users::create_user(
        pool,
        username,
        &password,
        &attributes,
        status::RESET_REQUIRED,
        users::Creation::Import,
        now,
    )
    .map_err(|e| e.message)?;
    if mfa {
        if let Some(user) = pool.users.get_mut(&username) {
            user.sms_mfa_enabled = true;
        }
    }
    Ok(())
}
