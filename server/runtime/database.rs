//! Opens the store: an external database from the URL, or the embedded cluster.

use std::path::PathBuf;
use std::str::FromStr;

use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::embedded_pg::{DATABASE, EmbeddedError, EmbeddedPostgres, find_bin_dir};
use crate::config::Settings;
use crate::store::Store;

pub struct Database {
    pub store: Store,
    /// Kept alive (and stopped on drop) when embedded.
    pub embedded: Option<EmbeddedPostgres>,
}

/// For `serve`: the external database, or the embedded cluster of the data directory, created
/// on first use.
pub async fn open(
    settings: &Settings,
) -> Result<Database, Box<dyn std::error::Error + Send + Sync>> {
    connect(settings, |data_dir, bin_dir| {
        EmbeddedPostgres::start(&data_dir, bin_dir)
    })
    .await
}

/// For admin commands: the external database, or the existing embedded cluster of the data
/// directory (see `EmbeddedPostgres::open_existing`); never creates a cluster.
pub async fn open_existing(
    settings: &Settings,
) -> Result<Database, Box<dyn std::error::Error + Send + Sync>> {
    connect(settings, |data_dir, bin_dir| {
        EmbeddedPostgres::open_existing(&data_dir, bin_dir)
    })
    .await
}

async fn connect(
    settings: &Settings,
    embedded: impl FnOnce(PathBuf, PathBuf) -> Result<EmbeddedPostgres, EmbeddedError> + Send + 'static,
) -> Result<Database, Box<dyn std::error::Error + Send + Sync>> {
    let (options, embedded) = match &settings.database_url {
        Some(url) => (PgConnectOptions::from_str(url.expose_secret())?, None),
        None => {
            let bin_dir = find_bin_dir(settings.postgres_bin_dir.as_deref())?;
            let data_dir = settings.data_dir.clone();
            let pg = tokio::task::spawn_blocking(move || embedded(data_dir, bin_dir)).await??;
            ensure_database(&pg).await?;
            (pg.connect_options(DATABASE), Some(pg))
        }
    };
    let options = options.log_statements(tracing::log::LevelFilter::Debug);
    let store = Store::connect(options, settings.database_max_connections).await?;
    store.migrate().await?;
    Ok(Database { store, embedded })
}

async fn ensure_database(pg: &EmbeddedPostgres) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect_with(&pg.connect_options("postgres")).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {DATABASE}"))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await
}
