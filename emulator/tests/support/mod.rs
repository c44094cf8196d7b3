//! Test support: a minimal HTTP/1.1 client (so tests need no HTTP client crate) and a tiny,
//! independent SRP client written with num-bigint — it shares no code with the emulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use cognito_kit_emulator::{start, Options, RunningServer};

/// A raw HTTP response.
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends one request with `Connection: close` and reads the whole response.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // The server's address as Host, unless the caller names another.
    let host = if headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        String::new()
    } else {
        format!("Host: {addr}\r\n")
    };
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\n{host}Connection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    // Large bodies may be refused before they are fully sent; that is fine.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<HashMap<_, _>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

/// Calls an operation; `signed` adds a fake SigV4 Authorization header.
pub async fn call_raw(
    server: &RunningServer,
    operation: &str,
    body: &Value,
    signed: bool,
) -> Reply {
    let target = format!("AWSCognitoIdentityProviderService.{operation}");
    let mut headers = vec![
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", target.as_str()),
    ];
    let body = body.to_string();
    let amz_date = amz_date(now());
    let host = server.addr.to_string();
    let auth = sigv4_authorization(
        "test",
        "test",
        &amz_date,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("host", &host),
            ("x-amz-date", &amz_date),
            ("x-amz-target", &target),
        ],
        body.as_bytes(),
    );
    if signed {
        headers.push(("X-Amz-Date", amz_date.as_str()));
        headers.push(("Authorization", auth.as_str()));
    }
    request(server.addr, "POST", "/", &headers, body.as_bytes()).await
}

/// `yyyymmddThhmmssZ` of a Unix time.
pub fn amz_date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// An AWS SigV4 `Authorization` header for `POST /` of cognito-idp in us-east-1, signing the
/// given (lower-case, sorted) headers — written from the AWS documentation, independently of
/// the emulator's verifier.
pub fn sigv4_authorization(
    key_id: &str,
    secret: &str,
    amz_date: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let date = &amz_date[..8];
    let scope = format!("{date}/us-east-1/cognito-idp/aws4_request");
    let signed: Vec<&str> = headers.iter().map(|(name, _)| *name).collect();
    let mut canonical = String::from("POST\n/\n\n");
    for (name, value) in headers {
        canonical.push_str(&format!("{name}:{}\n", value.trim()));
    }
    canonical.push_str(&format!(
        "\n{}\n{}",
        signed.join(";"),
        hex(&Sha256::digest(body))
    ));
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in ["us-east-1", "cognito-idp", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={}, Signature={signature}",
        signed.join(";")
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A public call: Ok(body) on 200, Err((__type, message)) otherwise.
pub async fn call(
    server: &RunningServer,
    operation: &str,
    body: Value,
) -> Result<Value, (String, String)> {
    into_result(call_raw(server, operation, &body, false).await)
}

/// An admin call (signed).
pub async fn admin(
    server: &RunningServer,
    operation: &str,
    body: Value,
) -> Result<Value, (String, String)> {
    into_result(call_raw(server, operation, &body, true).await)
}

/// The `__type` of a call that must fail (panics on success, showing the reply).
pub fn code(result: Result<Value, (String, String)>) -> String {
    match result {
        Ok(body) => panic!("expected an error, got {body}"),
        Err((code, _)) => code,
    }
}

fn into_result(reply: Reply) -> Result<Value, (String, String)> {
    let body = reply.json();
    if reply.status == 200 {
        Ok(body)
    } else {
        assert_eq!(reply.status, 400, "client errors are HTTP 400: {body}");
        assert_eq!(
            reply.headers.get("x-amzn-errortype").map(String::as_str),
            body["__type"].as_str()
        );
        Err((
            body["__type"].as_str().unwrap_or_default().to_string(),
            body["message"].as_str().unwrap_or_default().to_string(),
        ))
    }
}

/// Starts an emulator with an inline config.
pub async fn start_with(config: Value) -> RunningServer {
    start(Options {
        config: Some(config),
        ..Options::default()
    })
    .await
    .expect("emulator starts")
}

/// Moves the emulator clock forward.
pub async fn advance(server: &RunningServer, seconds: i64) {
    let body = json!({ "advanceSeconds": seconds }).to_string();
    let reply = request(
        server.addr,
        "POST",
        "/_emulator/clock",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200);
}

/// Latest outbox message for a user.
pub async fn latest_code(server: &RunningServer, pool_id: &str, username: &str) -> Value {
    let path = format!("/_emulator/outbox?poolId={pool_id}&username={username}");
    let reply = request(server.addr, "GET", &path, &[], b"").await;
    assert_eq!(reply.status, 200);
    reply.json()[0].clone()
}

// ---------------------------------------------------------------- independent SRP client

const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

pub fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap()
}

/// Java `BigInteger.toByteArray` form, written as bytes (not via hex, unlike the emulator).
fn java_bytes(x: &BigUint) -> Vec<u8> {
    let mut bytes = x.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

fn h(parts: &[&[u8]]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().to_vec()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn x_value(pool_name: &str, user: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = h(&[format!("{pool_name}{user}:{password}").as_bytes()]);
    BigUint::from_bytes_be(&h(&[&java_bytes(salt), &inner]))
}

/// Client-side HKDF key for (a, B, salt) — the formula from the client's point of view.
pub fn client_key(
    pool_name: &str,
    user: &str,
    password: &str,
    a: &BigUint,
    b_pub: &BigUint,
    salt: &BigUint,
) -> Vec<u8> {
    let n = n();
    let g = BigUint::from(2u32);
    let k = BigUint::from_bytes_be(&h(&[&java_bytes(&n), &java_bytes(&g)]));
    let a_pub = g.modpow(a, &n);
    let u = BigUint::from_bytes_be(&h(&[&java_bytes(&a_pub), &java_bytes(b_pub)]));
    let x = x_value(pool_name, user, password, salt);
    let kgx = (&k * g.modpow(&x, &n)) % &n;
    let base = ((b_pub % &n) + &n - kgx) % &n;
    let s = base.modpow(&(a + &u * &x), &n);
    let prk = hmac(&java_bytes(&u), &java_bytes(&s));
    hmac(&prk, b"Caldera Derived Key\x01")[..16].to_vec()
}

pub fn signature(
    key: &[u8],
    pool_name: &str,
    user: &str,
    secret_block_b64: &str,
    timestamp: &str,
) -> String {
    let block = STANDARD.decode(secret_block_b64).unwrap();
    let message = [
        pool_name.as_bytes(),
        user.as_bytes(),
        &block,
        timestamp.as_bytes(),
    ]
    .concat();
    STANDARD.encode(hmac(key, &message))
}

/// `EEE MMM d HH:mm:ss UTC yyyy` for unix seconds (independent of the emulator's formatter).
pub fn timestamp(unix: i64, pad_day: bool) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Walk years and months: slow but obviously right.
    let (mut year, mut rest) = (1970i64, days);
    loop {
        let len = if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
            366
        } else {
            365
        };
        if rest < len {
            break;
        }
        rest -= len;
        year += 1;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let lengths = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while rest >= lengths[month] {
        rest -= lengths[month];
        month += 1;
    }
    let names = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let day = if pad_day {
        format!("{:02}", rest + 1)
    } else {
        (rest + 1).to_string()
    };
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        weekdays[days.rem_euclid(7) as usize],
        names[month],
        day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        year
    )
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn random_a() -> BigUint {
    let bytes: Vec<u8> = (0..128).map(|_| rand::random::<u8>()).collect();
    BigUint::from_bytes_be(&bytes)
}

/// Runs USER_SRP_AUTH up to the PASSWORD_VERIFIER answer; returns the service's reply to it.
pub async fn srp_sign_in(
    server: &RunningServer,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
    extra: Value,
) -> Result<Value, (String, String)> {
    let (challenge, responses) =
        srp_prepare(server, pool_id, client_id, username, password, extra, false).await?;
    let _ = challenge;
    call(server, "RespondToAuthChallenge", responses).await
}

/// Returns (challenge reply, the RespondToAuthChallenge body to send), for USER_SRP_AUTH.
pub async fn srp_prepare(
    server: &RunningServer,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
    extra: Value,
    pad_day: bool,
) -> Result<(Value, Value), (String, String)> {
    srp_prepare_flow(
        server,
        pool_id,
        "USER_SRP_AUTH",
        client_id,
        username,
        password,
        extra,
        pad_day,
    )
    .await
}

/// InitiateAuth with SRP_A in `flow` (USER_SRP_AUTH, or CUSTOM_AUTH with `CHALLENGE_NAME: SRP_A` in
/// `extra`) and the PASSWORD_VERIFIER answer to it: (challenge reply, answer body).
#[allow(clippy::too_many_arguments)]
pub async fn srp_prepare_flow(
    server: &RunningServer,
    pool_id: &str,
    flow: &str,
    client_id: &str,
    username: &str,
    password: &str,
    extra: Value,
    pad_day: bool,
) -> Result<(Value, Value), (String, String)> {
    let pool_name = pool_id.split_once('_').unwrap().1;
    let a = random_a();
    let a_pub = BigUint::from(2u32).modpow(&a, &n());
    let mut auth = json!({ "USERNAME": username, "SRP_A": a_pub.to_str_radix(16) });
    if let Value::Object(more) = extra {
        for (k, v) in more {
            auth[k] = v;
        }
    }
    let challenge = call(
        server,
        "InitiateAuth",
        json!({ "AuthFlow": flow, "ClientId": client_id, "AuthParameters": auth }),
    )
    .await?;
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    let p = &challenge["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    let b_pub = BigUint::parse_bytes(p["SRP_B"].as_str().unwrap().as_bytes(), 16).unwrap();
    let salt = BigUint::parse_bytes(p["SALT"].as_str().unwrap().as_bytes(), 16).unwrap();
    let key = client_key(pool_name, user_id, password, &a, &b_pub, &salt);
    let ts = timestamp(now(), pad_day);
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let responses = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": client_id,
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SIGNATURE": signature(&key, pool_name, user_id, block, &ts),
        },
    });
    Ok((challenge.clone(), responses))
}

/// RFC 6238 TOTP, SHA-1, 6 digits.
pub fn totp(secret_b32: &str, unix: i64) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut key) = (0u64, 0, Vec::new());
    for c in secret_b32.bytes() {
        buffer = (buffer << 5) | alphabet.iter().position(|x| *x == c).unwrap() as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
        }
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&((unix / 30) as u64).to_be_bytes());
    let d = mac.finalize().into_bytes();
    let o = (d[19] & 0xf) as usize;
    let v = u32::from_be_bytes([d[o] & 0x7f, d[o + 1], d[o + 2], d[o + 3]]) % 1_000_000;
    format!("{v:06}")
}

pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    STANDARD.encode(hmac(
        secret.as_bytes(),
        format!("{username}{client_id}").as_bytes(),
    ))
}

/// A standard test pool: username pool, lenient-but-real policy, two clients.
pub fn basic_config() -> Value {
    json!({ "Pools": [{
        "Id": "us-east-1_TestPool1",
        "PoolName": "test",
        "AutoVerifiedAttributes": ["email"],
        "Policies": { "PasswordPolicy": { "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": true } },
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": { "Enabled": true },
        "Schema": [{ "Name": "name", "Required": true }],
        "Clients": [
            { "ClientId": "publicclient", "ClientName": "public",
              "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
              "RefreshTokenRotation": { "Feature": "ENABLED", "RetryGracePeriodSeconds": 30 } },
            { "ClientId": "secretclient", "ClientName": "secret", "ClientSecret": "s3cr3t",
              "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }
        ],
        "Users": [
            { "Username": "alice", "Password": "Passw0rd!", "Attributes": { "email": "alice@example.com", "email_verified": "true", "name": "Alice" } },
            { "Username": "temp", "Password": "TempPassw0rd!", "Status": "FORCE_CHANGE_PASSWORD", "Attributes": { "email": "temp@example.com" } }
        ]
    }]})
}
