//! The one seam between the operations and the disk: SQLite (through rusqlite, SQLite compiled
//! in) holding one row per entity — pool, app client, user (with its devices and codes), sign-in
//! lineage, refresh token, outbox message — each row the entity's JSON.
//!
//! The operations work on the in-memory [`Db`] (loaded whole at start); every map in it is a
//! [`crate::model::Tracked`] that records the keys an operation changed. [`Store::commit`] writes
//! exactly those rows in ONE transaction, so a write costs the same with 10 users or 10,000, and
//! [`Store::load`] rebuilds the model from the rows (also after a failed commit, so a request
//! that could not be saved leaves nothing changed in memory either).
//!
//! Durability: WAL journal with `synchronous=FULL`, so a transaction is on disk (fsync of the
//! WAL) before the request is answered; a kill -9 at any moment loses nothing acknowledged, and
//! a torn transaction is rolled back by SQLite at the next open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension as _};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::{Db, Pool, PoolHeader, Tracked};

/// The child tables of a pool, each `(pool_id, id, body)`; outbox ids are sequence numbers.
const CHILD_TABLES: [&str; 16] = [
    "clients",
    "users",
    "origins",
    "refresh_tokens",
    "groups",
    "ui_customizations",
    "outbox",
    "risk_configurations",
    "auth_events",
    "domains",
    "resource_servers",
    "identity_providers",
    "provider_links",
    "import_jobs",
    "oauth_codes",
    "browser_sessions",
];

/// One row to write (`Some` body) or delete (`None`).
struct Change {
    table: &'static str,
    pool_id: String,
    id: String,
    body: Option<String>,
}

/// The database behind the emulator's state.
pub struct Store {
    conn: Connection,
    /// The file, when the state is kept on disk (`--state`); `None` keeps it in memory.
    path: Option<PathBuf>,
    /// (device, inode) of the file when opened: a commit refuses to go on when the file is no
    /// longer there (folder deleted, file replaced), since the open handle would otherwise keep
    /// writing into an unlinked file and acknowledge writes a restart would not see.
    identity: Option<(u64, u64)>,
    /// The last written JSON of each pool's own row, to write it only when it changed.
    headers: HashMap<String, String>,
    /// Rows written or deleted by committed transactions since the store was opened.
    rows_written: u64,
}

fn sql(error: rusqlite::Error) -> String {
    error.to_string()
}

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

/// Creates an empty file readable by the owner only (the state holds private keys and client
/// secrets); SQLite gives its WAL and shared-memory files the same permissions.
fn create_private(path: &Path) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot create state {}: {e}", path.display()))?;
    // A file left with wider permissions is narrowed.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot narrow state permissions: {e}"))?;
    }
    drop(file);
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn from_json<T: DeserializeOwned>(table: &str, id: &str, body: &str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| format!("corrupt {table} row {id}: {e}"))
}

/// Collects the changed rows of one child map.
fn collect<V: Serialize>(
    changes: &mut Vec<Change>,
    table: &'static str,
    pool_id: &str,
    map: &mut Tracked<String, V>,
) -> Result<(), String> {
    for id in map.take_dirty() {
        let body = map.get(&id).map(to_json).transpose()?;
        changes.push(Change {
            table,
            pool_id: pool_id.to_string(),
            id,
            body,
        });
    }
    Ok(())
}

impl Store {
    /// Opens (creating when missing) the state at `path`, or an in-memory database. A state
    /// file of the emulator's former JSON format is imported and kept beside as `*.json-backup`.
    pub fn open(path: Option<&Path>) -> Result<(Self, Option<Db>), String> {
        let Some(path) = path else {
            let conn = Connection::open_in_memory().map_err(sql)?;
            let store = Self::init(conn, None)?;
            return Ok((store, None));
        };
        let legacy = match std::fs::read(path) {
            Ok(bytes) if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => {
                let db: Db = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("cannot parse state {}: {e}", path.display()))?;
                let mut backup = path.as_os_str().to_owned();
                backup.push(".json-backup");
                std::fs::rename(path, &backup)
                    .map_err(|e| format!("cannot move old state {}: {e}", path.display()))?;
                Some(db)
            }
            _ => None,
        };
        create_private(path)?;
        let conn = Connection::open(path)
            .map_err(|e| format!("cannot open state {}: {e}", path.display()))?;
        let store = Self::init(conn, Some(path.to_path_buf()))?;
        Ok((store, legacy))
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Self, String> {
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        if path.is_some() {
            // WAL: a commit appends to one file; FULL: fsync before the commit returns.
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
                .map_err(sql)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(format!("the state file refused WAL mode ({mode})"));
            }
            conn.execute_batch("PRAGMA synchronous=FULL;")
                .map_err(sql)?;
        }
        let mut schema = String::from(
            "CREATE TABLE IF NOT EXISTS pools (id TEXT PRIMARY KEY, body TEXT NOT NULL);",
        );
        for table in CHILD_TABLES {
            schema.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (pool_id TEXT NOT NULL, id TEXT NOT NULL, \
                 body TEXT NOT NULL, PRIMARY KEY (pool_id, id)) WITHOUT ROWID;"
            ));
        }
        // One row rewritten by decoy writes (see `Db::decoy`).
        schema.push_str(
            "CREATE TABLE IF NOT EXISTS decoy (pool_id TEXT NOT NULL, id TEXT NOT NULL, \
             body TEXT NOT NULL, PRIMARY KEY (pool_id, id)) WITHOUT ROWID;",
        );
        conn.execute_batch(&schema).map_err(sql)?;
        let identity = path.as_deref().and_then(file_identity);
        Ok(Self {
            conn,
            path,
            identity,
            headers: HashMap::new(),
            rows_written: 0,
        })
    }

    /// Reads the whole model from the rows.
    pub fn load(&mut self) -> Result<Db, String> {
        let mut pools = std::collections::BTreeMap::new();
        let mut headers = HashMap::new();
        {
            let mut statement = self
                .conn
                .prepare("SELECT id, body FROM pools")
                .map_err(sql)?;
            let rows = statement
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(sql)?;
            for row in rows {
                let (id, body) = row.map_err(sql)?;
                let header: PoolHeader = from_json("pools", &id, &body)?;
                pools.insert(id.clone(), Pool::from_header(header));
                headers.insert(id, body);
            }
        }
        for table in CHILD_TABLES {
            let mut statement = self
                .conn
                .prepare(&format!("SELECT pool_id, id, body FROM {table}"))
                .map_err(sql)?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql)?;
            let mut grouped: HashMap<String, Vec<(String, String)>> = HashMap::new();
            for row in rows {
                let (pool_id, id, body) = row.map_err(sql)?;
                grouped.entry(pool_id).or_default().push((id, body));
            }
            for (pool_id, rows) in grouped {
                // Rows of a pool that is gone are left over from nothing we write; skip them.
                let Some(pool) = pools.get_mut(&pool_id) else {
                    continue;
                };
                fill(pool, table, rows)?;
            }
        }
        self.headers = headers;
        Ok(Db {
            pools: Tracked::from_clean(pools),
            decoy: false,
        })
    }

    /// Writes every row `db` marked changed, in one transaction. Nothing is written (and no
    /// transaction opened) when nothing changed. On an error nothing was written, and the
    /// caller must reload the model ([`Store::load`]) because the marks are gone.
    pub fn commit(&mut self, db: &mut Db) -> Result<(), String> {
        let mut changes = Vec::new();
        let mut new_headers = Vec::new();
        for pool_id in db.pools.take_dirty() {
            let Some(pool) = db.pools.peek_mut(&pool_id) else {
                changes.push(Change {
                    table: "pools",
                    pool_id: pool_id.clone(),
                    id: pool_id,
                    body: None,
                });
                continue;
            };
            let header = to_json(&pool.header())?;
            if self.headers.get(&pool_id) != Some(&header) {
                new_headers.push((pool_id.clone(), header));
            }
            collect(&mut changes, "clients", &pool_id, &mut pool.clients)?;
            collect(&mut changes, "users", &pool_id, &mut pool.users)?;
            collect(&mut changes, "origins", &pool_id, &mut pool.origins)?;
            collect(
                &mut changes,
                "refresh_tokens",
                &pool_id,
                &mut pool.refresh_tokens,
            )?;
            collect(&mut changes, "groups", &pool_id, &mut pool.groups)?;
            collect(
                &mut changes,
                "ui_customizations",
                &pool_id,
                &mut pool.ui_customizations,
            )?;
            collect(
                &mut changes,
                "risk_configurations",
                &pool_id,
                &mut pool.risk_configurations,
            )?;
            collect(&mut changes, "auth_events", &pool_id, &mut pool.auth_events)?;
            collect(&mut changes, "domains", &pool_id, &mut pool.domains)?;
            collect(
                &mut changes,
                "resource_servers",
                &pool_id,
                &mut pool.resource_servers,
            )?;
            collect(
                &mut changes,
                "identity_providers",
                &pool_id,
                &mut pool.identity_providers,
            )?;
            collect(
                &mut changes,
                "provider_links",
                &pool_id,
                &mut pool.provider_links,
            )?;
            collect(&mut changes, "import_jobs", &pool_id, &mut pool.import_jobs)?;
            collect(&mut changes, "oauth_codes", &pool_id, &mut pool.oauth_codes)?;
            collect(
                &mut changes,
                "browser_sessions",
                &pool_id,
                &mut pool.browser_sessions,
            )?;
            for seq in pool.outbox.take_dirty() {
                let body = pool.outbox.get(&seq).map(to_json).transpose()?;
                changes.push(Change {
                    table: "outbox",
                    pool_id: pool_id.clone(),
                    // Zero-padded so the text key sorts like the number.
                    id: format!("{seq:020}"),
                    body,
                });
            }
        }
        let decoy = std::mem::take(&mut db.decoy);
        if decoy {
            // About a user row and an outbox message: what a real code delivery writes.
            changes.push(Change {
                table: "decoy",
                pool_id: String::new(),
                id: String::new(),
                body: Some(crate::crypto::hex(&crate::crypto::random_bytes(900))),
            });
        }
        if changes.is_empty() && new_headers.is_empty() {
            return Ok(());
        }
        if let Some(path) = &self.path {
            if file_identity(path) != self.identity {
                return Err(format!(
                    "the state file {} is gone or was replaced",
                    path.display()
                ));
            }
        }
        let transaction = self.conn.transaction().map_err(sql)?;
        for (pool_id, header) in &new_headers {
            transaction
                .execute(
                    "INSERT OR REPLACE INTO pools (id, body) VALUES (?1, ?2)",
                    params![pool_id, header],
                )
                .map_err(sql)?;
        }
        for change in &changes {
            match (&change.body, change.table) {
                (None, "pools") => {
                    transaction
                        .execute("DELETE FROM pools WHERE id = ?1", params![change.id])
                        .map_err(sql)?;
                    for table in CHILD_TABLES {
                        transaction
                            .execute(
                                &format!("DELETE FROM {table} WHERE pool_id = ?1"),
                                params![change.pool_id],
                            )
                            .map_err(sql)?;
                    }
                }
                (None, table) => {
                    transaction
                        .execute(
                            &format!("DELETE FROM {table} WHERE pool_id = ?1 AND id = ?2"),
                            params![change.pool_id, change.id],
                        )
                        .map_err(sql)?;
                }
                (Some(body), table) => {
                    transaction
                        .execute(
                            &format!(
                                "INSERT OR REPLACE INTO {table} (pool_id, id, body) VALUES (?1, ?2, ?3)"
                            ),
                            params![change.pool_id, change.id, body],
                        )
                        .map_err(sql)?;
                }
            }
        }
        transaction.commit().map_err(sql)?;
        self.rows_written += (changes.len() + new_headers.len()) as u64;
        for change in changes {
            if change.table == "pools" {
                self.headers.remove(&change.id);
            }
        }
        self.headers.extend(new_headers);
        Ok(())
    }

    /// Rows written or deleted since the store was opened: what a write costs, in rows.
    pub fn rows_written(&self) -> u64 {
        self.rows_written
    }

    /// Rows in a table (for tests and the load benchmark's growth check).
    pub fn count(&self, table: &str) -> Result<i64, String> {
        if table != "pools" && !CHILD_TABLES.contains(&table) {
            return Err(format!("no table {table}"));
        }
        self.conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(sql)
    }
}

/// Puts one child table's rows into a loaded pool.
fn fill(pool: &mut Pool, table: &str, rows: Vec<(String, String)>) -> Result<(), String> {
    fn parse<V: DeserializeOwned>(
        table: &str,
        rows: Vec<(String, String)>,
    ) -> Result<std::collections::BTreeMap<String, V>, String> {
        rows.into_iter()
            .map(|(id, body)| from_json(table, &id, &body).map(|value| (id, value)))
            .collect()
    }
    match table {
        "clients" => pool.clients = Tracked::from_clean(parse(table, rows)?),
        "users" => pool.users = Tracked::from_clean(parse(table, rows)?),
        "origins" => pool.origins = Tracked::from_clean(parse(table, rows)?),
        "refresh_tokens" => pool.refresh_tokens = Tracked::from_clean(parse(table, rows)?),
        "groups" => pool.groups = Tracked::from_clean(parse(table, rows)?),
        "ui_customizations" => pool.ui_customizations = Tracked::from_clean(parse(table, rows)?),
        "risk_configurations" => {
            pool.risk_configurations = Tracked::from_clean(parse(table, rows)?)
        }
        "auth_events" => pool.auth_events = Tracked::from_clean(parse(table, rows)?),
        "domains" => pool.domains = Tracked::from_clean(parse(table, rows)?),
        "resource_servers" => pool.resource_servers = Tracked::from_clean(parse(table, rows)?),
        "identity_providers" => pool.identity_providers = Tracked::from_clean(parse(table, rows)?),
        "provider_links" => pool.provider_links = Tracked::from_clean(parse(table, rows)?),
        "import_jobs" => pool.import_jobs = Tracked::from_clean(parse(table, rows)?),
        "oauth_codes" => pool.oauth_codes = Tracked::from_clean(parse(table, rows)?),
        "browser_sessions" => pool.browser_sessions = Tracked::from_clean(parse(table, rows)?),
        "outbox" => {
            let mut outbox = std::collections::BTreeMap::new();
            for (id, body) in rows {
                let seq: u64 = id
                    .parse()
                    .map_err(|_| format!("corrupt outbox row id {id}"))?;
                outbox.insert(seq, from_json(table, &id, &body)?);
            }
            pool.outbox = Tracked::from_clean(outbox);
        }
        _ => return Err(format!("no table {table}")),
    }
    Ok(())
}
