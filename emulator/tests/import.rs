//! User import (issue #15): jobs with the reference's shapes and rules, the CSV upload to the
//! job's PreSignedUrl on the emulator itself, and how rows are imported and counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";
const ROLE: &str = "arn:aws:iam::123456789012:role/CognitoImport";

async fn create_job(server: &RunningServer, name: &str) -> Value {
    admin(
        server,
        "CreateUserImportJob",
        json!({ "UserPoolId": POOL, "JobName": name, "CloudWatchLogsRoleArn": ROLE }),
    )
    .await
    .unwrap()["UserImportJob"]
        .clone()
}

/// The path of a PreSignedUrl (the part after the host).
fn url_path(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    rest[rest.find('/').unwrap()..].to_string()
}

async fn upload(server: &RunningServer, job: &Value, body: &[u8]) -> Reply {
    let path = url_path(job["PreSignedUrl"].as_str().unwrap());
    request(
        server.addr,
        "PUT",
        &path,
        &[("Content-Type", "text/csv")],
        body,
    )
    .await
}

async fn job_call(
    server: &RunningServer,
    operation: &str,
    job: &Value,
) -> Result<Value, (String, String)> {
    admin(
        server,
        operation,
        json!({ "UserPoolId": POOL, "JobId": job["JobId"] }),
    )
    .await
    .map(|reply| reply["UserImportJob"].clone())
}

/// A CSV with the pool's full header and the given rows (column → value).
async fn csv_of(server: &RunningServer, rows: &[Value]) -> String {
    let header = admin(server, "GetCSVHeader", json!({ "UserPoolId": POOL }))
        .await
        .unwrap()["CSVHeader"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for row in rows {
        let record: Vec<String> = header
            .iter()
            .map(|column| row[column].as_str().unwrap_or_default().to_string())
            .collect();
        writer.write_record(&record).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn row(username: &str, email: &str) -> Value {
    json!({ "cognito:username": username, "cognito:mfa_enabled": "false", "name": username,
            "email": email, "email_verified": "true" })
}

#[tokio::test]
async fn a_job_imports_the_uploaded_csv() {
    let server = start_with(basic_config()).await;
    let job = create_job(&server, "first import").await;
    assert_eq!(job["Status"], "Created");
    assert_eq!(job["JobName"], "first import");
    assert_eq!(job["UserPoolId"], POOL);
    assert_eq!(job["CloudWatchLogsRoleArn"], ROLE);
    assert_eq!(job["ImportedUsers"], 0);
    assert!(job["CreationDate"].is_number());
    assert!(job.get("StartDate").is_none());
    let job_id = job["JobId"].as_str().unwrap();
    assert!(
        job_id.starts_with("import-") && job_id.len() == 17,
        "{job_id}"
    );
    let url = job["PreSignedUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{}/{POOL}/user-import/", server.addr)),
        "{url}"
    );

    let mut mfa_without_phone = row("mfa-user", "mfa@example.com");
    mfa_without_phone["cognito:mfa_enabled"] = json!("true");
    let mut bad_mfa_flag = row("flag-user", "flag@example.com");
    bad_mfa_flag["cognito:mfa_enabled"] = json!("maybe");
    let mut unverified = row("unverified", "unverified@example.com");
    unverified["email_verified"] = json!("false");
    let mut missing_name = row("nameless", "nameless@example.com");
    missing_name["name"] = json!("");
    let mut bad_email = row("bad-email", "not-an-email");
    bad_email["email"] = json!("not-an-email");
    let with_phone = json!({ "cognito:username": "phoned", "cognito:mfa_enabled": "TRUE",
        "name": "P", "phone_number": "+15555550100", "phone_number_verified": "true" });
    let csv = csv_of(
        &server,
        &[
            row("bob", "bob@example.com"),
            row("carol", "carol@example.com"),
            with_phone,
            // Failures: an existing user, MFA without a phone, a flag that is no boolean, no
            // verified contact, a required attribute missing, a malformed email, no username.
            row("alice", "alice2@example.com"),
            mfa_without_phone,
            bad_mfa_flag,
            unverified,
            missing_name,
            bad_email,
            row("", "empty@example.com"),
        ],
    )
    .await;
    let reply = upload(&server, &job, csv.as_bytes()).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );

    let started = job_call(&server, "StartUserImportJob", &job).await.unwrap();
    assert_eq!(started["Status"], "Succeeded");
    let described = job_call(&server, "DescribeUserImportJob", &job)
        .await
        .unwrap();
    assert_eq!(described, started);
    assert_eq!(described["ImportedUsers"], 3);
    assert_eq!(described["FailedUsers"], 7);
    assert_eq!(described["SkippedUsers"], 0);
    assert!(described["StartDate"].is_number());
    assert!(described["CompletionDate"].is_number());
    assert!(described["CompletionMessage"].is_string());

    let bob = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "bob" }),
    )
    .await
    .unwrap();
    assert_eq!(bob["UserStatus"], "RESET_REQUIRED");
    assert_eq!(bob["Enabled"], true);
    let email = bob["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "email")
        .unwrap();
    assert_eq!(email["Value"], "bob@example.com");
    let phoned = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "phoned" }),
    )
    .await
    .unwrap();
    assert_eq!(phoned["UserMFASettingList"], json!(["SMS_MFA"]));
    // Alice was not replaced.
    let alice = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    assert_eq!(alice["UserStatus"], "CONFIRMED");
    for failed in [
        "mfa-user",
        "flag-user",
        "unverified",
        "nameless",
        "bad-email",
    ] {
        let missing = admin(
            &server,
            "AdminGetUser",
            json!({ "UserPoolId": POOL, "Username": failed }),
        )
        .await;
        assert_eq!(code(missing), "UserNotFoundException", "{failed}");
    }

    // An imported user has no usable password: it resets it with a code sent to its verified
    // email, then signs in.
    let sign_in = |password: &'static str| {
        call(
            &server,
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                    "AuthParameters": { "USERNAME": "bob", "PASSWORD": password } }),
        )
    };
    assert!(sign_in("Whatever1!").await.is_err());
    call(
        &server,
        "ForgotPassword",
        json!({ "ClientId": "publicclient", "Username": "bob" }),
    )
    .await
    .unwrap();
    let message = latest_code(&server, POOL, "bob").await;
    assert_eq!(message["destination"], "bob@example.com");
    call(
        &server,
        "ConfirmForgotPassword",
        json!({ "ClientId": "publicclient", "Username": "bob",
                "ConfirmationCode": message["code"], "Password": "NewPassw0rd!" }),
    )
    .await
    .unwrap();
    let tokens = sign_in("NewPassw0rd!").await.unwrap();
    assert!(tokens["AuthenticationResult"]["IdToken"].is_string());

    // The job ran: it cannot start again, stop, or take a new file.
    let again = job_call(&server, "StartUserImportJob", &job).await;
    assert_eq!(code(again), "InvalidParameterException");
    let stop = job_call(&server, "StopUserImportJob", &job).await;
    assert_eq!(code(stop), "InvalidParameterException");
    assert_eq!(upload(&server, &job, csv.as_bytes()).await.status, 403);
}

#[tokio::test]
async fn a_file_the_job_cannot_use_fails_the_job() {
    let server = start_with(basic_config()).await;
    for (csv, why) in [
        (
            "cognito:username,cognito:mfa_enabled,favorite_color\nx,false,blue\n",
            "favorite_color",
        ),
        (
            "cognito:username,email,email_verified,name\nx,x@example.com,true,X\n",
            "cognito:mfa_enabled",
        ),
        (
            "cognito:username,cognito:mfa_enabled,cognito:username\nx,false,y\n",
            "more than once",
        ),
        ("", "header"),
    ] {
        let job = create_job(&server, "bad file").await;
        assert_eq!(upload(&server, &job, csv.as_bytes()).await.status, 200);
        let done = job_call(&server, "StartUserImportJob", &job).await.unwrap();
        assert_eq!(done["Status"], "Failed", "{csv}");
        assert_eq!(done["ImportedUsers"], 0);
        let message = done["CompletionMessage"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
    }
    // A row with the wrong number of fields fails alone; columns may come in any order.
    let job = create_job(&server, "ragged").await;
    let csv = "name,email_verified,email,cognito:mfa_enabled,cognito:username\n\
               Dan,true,dan@example.com,false,dan\n\
               Eve,true\n";
    upload(&server, &job, csv.as_bytes()).await;
    let done = job_call(&server, "StartUserImportJob", &job).await.unwrap();
    assert_eq!(done["Status"], "Succeeded");
    assert_eq!(done["ImportedUsers"], 1);
    assert_eq!(done["FailedUsers"], 1);
}

#[tokio::test]
async fn uploads_need_the_url_token_and_a_created_job() {
    let server = start_with(basic_config()).await;
    let job = create_job(&server, "uploads").await;
    let path = url_path(job["PreSignedUrl"].as_str().unwrap());
    let token = path.rsplit('/').next().unwrap();
    assert_eq!(token.len(), 64);
    let forged = path.replace(token, &"0".repeat(64));
    let reply = request(server.addr, "PUT", &forged, &[], b"x").await;
    assert_eq!(reply.status, 403);
    let other_pool = path.replace(POOL, "us-east-1_Other");
    let reply = request(server.addr, "PUT", &other_pool, &[], b"x").await;
    assert_eq!(reply.status, 403);
    let reply = request(server.addr, "GET", &path, &[], b"").await;
    assert_eq!(reply.status, 405);
    let reply = upload(&server, &job, &[0xff, 0xfe, 0x00]).await;
    assert_eq!(reply.status, 400);
    let too_big = vec![b'a'; 2 * 1024 * 1024];
    let reply = upload(&server, &job, &too_big).await;
    assert_eq!(reply.status, 400);

    // Starting before any upload is a precondition failure; a later upload replaces an earlier one.
    let early = job_call(&server, "StartUserImportJob", &job).await;
    assert_eq!(code(early), "PreconditionNotMetException");
    let first = csv_of(&server, &[row("first", "first@example.com")]).await;
    let second = csv_of(&server, &[row("second", "second@example.com")]).await;
    assert_eq!(upload(&server, &job, first.as_bytes()).await.status, 200);
    assert_eq!(upload(&server, &job, second.as_bytes()).await.status, 200);
    job_call(&server, "StartUserImportJob", &job).await.unwrap();
    admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "second" }),
    )
    .await
    .unwrap();
    let first_user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "first" }),
    )
    .await;
    assert_eq!(code(first_user), "UserNotFoundException");
}

#[tokio::test]
async fn a_stopped_job_imports_nothing() {
    let server = start_with(basic_config()).await;
    let job = create_job(&server, "stopped").await;
    let csv = csv_of(&server, &[row("never", "never@example.com")]).await;
    upload(&server, &job, csv.as_bytes()).await;
    let stopped = job_call(&server, "StopUserImportJob", &job).await.unwrap();
    assert_eq!(stopped["Status"], "Stopped");
    assert!(stopped["CompletionDate"].is_number());
    let start = job_call(&server, "StartUserImportJob", &job).await;
    assert_eq!(code(start), "InvalidParameterException");
    let never = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "never" }),
    )
    .await;
    assert_eq!(code(never), "UserNotFoundException");
}

#[tokio::test]
async fn job_requests_are_validated() {
    let server = start_with(basic_config()).await;
    let long_name = "n".repeat(129);
    for (body, expected) in [
        (
            json!({ "UserPoolId": POOL, "JobName": "j" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE }),
            "InvalidParameterException",
        ),
        (
            json!({ "JobName": "j", "CloudWatchLogsRoleArn": ROLE }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "JobName": "j", "CloudWatchLogsRoleArn": "role/CognitoImport-x" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "JobName": "j", "CloudWatchLogsRoleArn": "arn:aws:iam::acct:role/CognitoImport" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "JobName": "bad/name", "CloudWatchLogsRoleArn": ROLE }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "JobName": long_name, "CloudWatchLogsRoleArn": ROLE }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "JobName": 5, "CloudWatchLogsRoleArn": ROLE }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "JobName": "j", "CloudWatchLogsRoleArn": ROLE }),
            "ResourceNotFoundException",
        ),
    ] {
        let result = admin(&server, "CreateUserImportJob", body.clone()).await;
        assert_eq!(code(result), expected, "{body}");
    }
    for operation in [
        "DescribeUserImportJob",
        "StartUserImportJob",
        "StopUserImportJob",
    ] {
        for (body, expected) in [
            (
                json!({ "UserPoolId": POOL, "JobId": "import-doesnotexist" }),
                "ResourceNotFoundException",
            ),
            (
                json!({ "UserPoolId": POOL, "JobId": "job-1" }),
                "InvalidParameterException",
            ),
            (json!({ "UserPoolId": POOL }), "InvalidParameterException"),
            (
                json!({ "UserPoolId": POOL, "JobId": ["import-x"] }),
                "SerializationException",
            ),
            (
                json!({ "UserPoolId": "us-east-1_Nope", "JobId": "import-abc" }),
                "ResourceNotFoundException",
            ),
        ] {
            let result = admin(&server, operation, body.clone()).await;
            assert_eq!(code(result), expected, "{operation} {body}");
        }
    }
}

#[tokio::test]
async fn jobs_are_listed_in_pages() {
    let server = start_with(basic_config()).await;
    let mut created = Vec::new();
    for name in ["one", "two", "three"] {
        created.push(create_job(&server, name).await["JobId"].clone());
    }
    let first = admin(
        &server,
        "ListUserImportJobs",
        json!({ "UserPoolId": POOL, "MaxResults": 2 }),
    )
    .await
    .unwrap();
    assert_eq!(first["UserImportJobs"].as_array().unwrap().len(), 2);
    let rest = admin(
        &server,
        "ListUserImportJobs",
        json!({ "UserPoolId": POOL, "MaxResults": 2, "PaginationToken": first["PaginationToken"] }),
    )
    .await
    .unwrap();
    assert!(rest.get("PaginationToken").is_none());
    let mut listed: Vec<Value> = first["UserImportJobs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["UserImportJobs"].as_array().unwrap())
        .map(|j| j["JobId"].clone())
        .collect();
    listed.sort_by_key(|v| v.as_str().unwrap().to_string());
    created.sort_by_key(|v| v.as_str().unwrap().to_string());
    assert_eq!(listed, created);
    for body in [
        json!({ "UserPoolId": POOL }),
        json!({ "UserPoolId": POOL, "MaxResults": 0 }),
        json!({ "UserPoolId": POOL, "MaxResults": 61 }),
        json!({ "UserPoolId": POOL, "MaxResults": 5, "PaginationToken": "nope" }),
    ] {
        let result = admin(&server, "ListUserImportJobs", body.clone()).await;
        assert_eq!(code(result), "InvalidParameterException", "{body}");
    }
}

#[tokio::test]
async fn a_pool_keeps_a_bounded_number_of_jobs() {
    let server = start_with(basic_config()).await;
    for i in 0..50 {
        create_job(&server, &format!("job {i}")).await;
    }
    let over = admin(
        &server,
        "CreateUserImportJob",
        json!({ "UserPoolId": POOL, "JobName": "one more", "CloudWatchLogsRoleArn": ROLE }),
    )
    .await;
    assert_eq!(code(over), "LimitExceededException");
}

#[tokio::test]
async fn a_running_job_shows_its_progress_and_can_be_stopped() {
    let server = start_with(basic_config()).await;
    let job = create_job(&server, "long").await;
    let rows: Vec<Value> = (0..6000)
        .map(|i| row(&format!("u{i}"), &format!("u{i}@example.com")))
        .collect();
    let csv = csv_of(&server, &rows).await;
    assert_eq!(upload(&server, &job, csv.as_bytes()).await.status, 200);
    let watch = async {
        // Wait until some rows are in, then stop the job.
        loop {
            let seen = job_call(&server, "DescribeUserImportJob", &job)
                .await
                .unwrap();
            if seen["Status"] == "InProgress" && seen["ImportedUsers"].as_i64().unwrap() > 0 {
                assert!(seen["StartDate"].is_number());
                assert!(seen.get("CompletionDate").is_none());
                break;
            }
            assert_ne!(
                seen["Status"], "Succeeded",
                "the import ended before it was watched"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let stopping = job_call(&server, "StopUserImportJob", &job).await.unwrap();
        assert_eq!(stopping["Status"], "Stopping");
    };
    let (started, ()) = tokio::join!(job_call(&server, "StartUserImportJob", &job), watch);
    let done = started.unwrap();
    assert_eq!(done["Status"], "Stopped");
    let imported = done["ImportedUsers"].as_i64().unwrap();
    let skipped = done["SkippedUsers"].as_i64().unwrap();
    assert!(imported > 0 && skipped > 0, "{done}");
    assert_eq!(
        imported + skipped + done["FailedUsers"].as_i64().unwrap(),
        6000
    );
    assert_eq!(
        job_call(&server, "DescribeUserImportJob", &job)
            .await
            .unwrap(),
        done
    );
    let users = admin(&server, "DescribeUserPool", json!({ "UserPoolId": POOL }))
        .await
        .unwrap()["UserPool"]["EstimatedNumberOfUsers"]
        .as_i64()
        .unwrap();
    assert_eq!(users, 2 + imported);
}

#[tokio::test]
async fn a_job_the_emulator_stopped_in_is_ended_at_the_next_start() {
    let dir = std::env::temp_dir().join(format!("cke-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.db");
    let options = || Options {
        config: Some(basic_config()),
        state_path: Some(state.clone()),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    let running = create_job(&server, "running").await;
    let stopping = create_job(&server, "stopping").await;
    let csv = csv_of(&server, &[row("later", "later@example.com")]).await;
    for job in [&running, &stopping] {
        upload(&server, job, csv.as_bytes()).await;
    }
    server.shutdown().await;
    // As if the emulator had been killed in the middle of both imports.
    let db = rusqlite::Connection::open(&state).unwrap();
    for (job, status) in [(&running, "InProgress"), (&stopping, "Stopping")] {
        let changed = db
            .execute(
                "UPDATE import_jobs SET body = json_set(body, '$.status', ?1) WHERE id = ?2",
                rusqlite::params![status, job["JobId"].as_str().unwrap()],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    drop(db);
    let server = start(options()).await.unwrap();
    let failed = job_call(&server, "DescribeUserImportJob", &running)
        .await
        .unwrap();
    assert_eq!(failed["Status"], "Failed");
    assert!(failed["CompletionDate"].is_number());
    assert!(failed["CompletionMessage"]
        .as_str()
        .unwrap()
        .contains("stopped while the job ran"));
    let stopped = job_call(&server, "DescribeUserImportJob", &stopping)
        .await
        .unwrap();
    assert_eq!(stopped["Status"], "Stopped");
    // Neither runs again.
    assert_eq!(
        code(job_call(&server, "StartUserImportJob", &running).await),
        "InvalidParameterException"
    );
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
