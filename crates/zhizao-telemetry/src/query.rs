//! SQL over a tenant's telemetry, with Apache DataFusion.
//!
//! Every query gets its own session whose only catalog is built from the calling tenant's
//! tables: `zhizao.<database>.<table>`, each a union of the in-memory buffers and the table's
//! Parquet files. Another tenant's data is not hidden by a filter that a clever query could
//! avoid; it is simply not in the session. Statements that could reach anything else (DDL such
//! as `CREATE EXTERNAL TABLE`, DML such as `COPY … TO`, `SET`) are refused by the planner, and
//! the session has no table functions that read files.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::AsArray;
use arrow::datatypes::{SchemaRef, TimestampNanosecondType};
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::{
    CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider, SchemaProvider, Session,
    TableProvider,
};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::memory::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::union::UnionExec;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};

use crate::Error;
use crate::buffer::TableBuffer;
use crate::names::TIME_COLUMN;
use crate::prune::Bounds;
use crate::store::{StoredFile, TableKey, TelemetryStore, widen};

/// The catalog every tenant's databases appear in.
pub const CATALOG: &str = "zhizao";

/// Limits on one query.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Rows returned at most; a larger result is an error (add `LIMIT`).
    pub max_rows: usize,
    /// Wall-clock time at most.
    pub timeout: Duration,
    /// Memory the query's operators may use.
    pub memory_bytes: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_rows: 1_000_000,
            timeout: Duration::from_secs(60),
            memory_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// A DataFusion failure as the caller should read it: their SQL, or the query's execution.
fn from_datafusion(error: DataFusionError) -> Error {
    match error.find_root() {
        DataFusionError::SQL(..)
        | DataFusionError::Plan(_)
        | DataFusionError::SchemaError(..)
        | DataFusionError::NotImplemented(_) => Error::Sql(error.find_root().to_string()),
        DataFusionError::ResourcesExhausted(message) => {
            Error::QueryFailed(format!("resources exhausted: {message}"))
        }
        _ => Error::QueryFailed(error.to_string()),
    }
}

/// A query's result.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl QueryOutput {
    /// Rows in the result.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// One table as a tenant's session sees it: buffered rows and Parquet files. Holding the
/// files keeps compaction and retention from deleting them while the query reads them.
#[derive(Debug)]
pub(crate) struct TelemetryTable {
    pub(crate) schema: SchemaRef,
    pub(crate) batches: Vec<RecordBatch>,
    pub(crate) files: Vec<Arc<StoredFile>>,
}

#[async_trait]
impl TableProvider for TelemetryTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> datafusion::error::Result<Vec<TableProviderFilterPushDown>> {
        // The Parquet scan prunes row groups by the filters; rows are filtered again above.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let mut plans = Vec::new();
        if !self.batches.is_empty() {
            let memory = MemTable::try_new(Arc::clone(&self.schema), vec![self.batches.clone()])?;
            plans.push(memory.scan(state, projection, filters, limit).await?);
        }
        let bounds = Bounds::from_filters(filters);
        let files: Vec<&Arc<StoredFile>> = self
            .files
            .iter()
            .filter(|file| bounds.admits(&file.entry))
            .collect();
        if !files.is_empty() {
            let urls = files
                .iter()
                .map(|file| ListingTableUrl::parse(&file.url))
                .collect::<datafusion::error::Result<Vec<_>>>()?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet");
            let config = ListingTableConfig::new_with_multi_paths(urls)
                .with_listing_options(options)
                .with_schema(Arc::clone(&self.schema));
            let listing = ListingTable::try_new(config)?;
            plans.push(listing.scan(state, projection, filters, limit).await?);
        }
        if plans.is_empty() {
            let projected = match projection {
                Some(indices) => Arc::new(self.schema.project(indices)?),
                None => Arc::clone(&self.schema),
            };
            return Ok(Arc::new(EmptyExec::new(projected)));
        }
        UnionExec::try_new(plans)
    }
}

impl TelemetryStore {
    /// The earliest time (ns) of anything `tenant`'s `table` holds, stored or buffered; `None`
    /// when it holds nothing. A reader of a range that ends before it need not query.
    pub fn earliest_time_ns(&self, tenant: i64, database: &str, table: &str) -> Option<i64> {
        let key = TableKey {
            tenant,
            database: database.to_owned(),
            table: table.to_owned(),
        };
        let state = self.shared.read();
        let stored = state
            .files
            .get(&key)
            .into_iter()
            .flatten()
            .map(|file| file.entry.min_time_ns);
        let active = state.active.get(&key).and_then(TableBuffer::earliest);
        let frozen = state
            .frozen
            .iter()
            .flat_map(|frozen| frozen.tables.iter())
            .filter(|(k, _)| *k == key)
            .filter_map(|(_, batch)| {
                let time = batch.column_by_name(TIME_COLUMN)?;
                let time = time.as_primitive_opt::<TimestampNanosecondType>()?;
                arrow::compute::min(time)
            });
        stored.chain(active).chain(frozen).min()
    }

    /// The tenant's databases and their tables with columns.
    pub fn catalog(&self, tenant: i64) -> BTreeMap<String, BTreeMap<String, SchemaRef>> {
        let state = self.shared.read();
        let mut databases: BTreeMap<String, BTreeMap<String, SchemaRef>> = BTreeMap::new();
        for (key, schema) in state.schemas.iter().filter(|(key, _)| key.tenant == tenant) {
            databases
                .entry(key.database.clone())
                .or_default()
                .insert(key.table.clone(), schema.arrow());
        }
        databases
    }

    /// The tenant's tables as DataFusion sees them, taken now (a consistent snapshot).
    fn snapshot(
        &self,
        tenant: i64,
    ) -> Result<BTreeMap<String, Vec<(String, TelemetryTable)>>, Error> {
        let state = self.shared.read();
        let mut databases: BTreeMap<String, Vec<(String, TelemetryTable)>> = BTreeMap::new();
        let keys: Vec<&TableKey> = state
            .schemas
            .keys()
            .filter(|key| key.tenant == tenant)
            .collect();
        for key in keys {
            let schema = state.schemas[key].arrow();
            let mut batches = Vec::new();
            for frozen in &state.frozen {
                for (frozen_key, batch) in &frozen.tables {
                    if frozen_key == key {
                        batches.push(
                            widen(batch, &schema).map_err(|e| Error::QueryFailed(e.to_string()))?,
                        );
                    }
                }
            }
            if let Some(buffer) = state.active.get(key) {
                batches.push(
                    buffer
                        .to_record_batch(&schema)
                        .map_err(|e| Error::QueryFailed(e.to_string()))?,
                );
            }
            batches.retain(|b| b.num_rows() > 0);
            let files = state.files.get(key).cloned().unwrap_or_default();
            databases.entry(key.database.clone()).or_default().push((
                key.table.clone(),
                TelemetryTable {
                    schema,
                    batches,
                    files,
                },
            ));
        }
        Ok(databases)
    }

    /// Runs one SQL query over `tenant`'s telemetry; unqualified tables are in `database`.
    pub async fn query(
        &self,
        tenant: i64,
        database: &str,
        sql: &str,
        limits: QueryLimits,
    ) -> Result<QueryOutput, Error> {
        let snapshot = self.snapshot(tenant)?;
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_create_default_catalog_and_schema(false)
            .with_default_catalog_and_schema(CATALOG, database);
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(limits.memory_bytes, 1.0)
            .with_cache_manager(self.shared.caches.config())
            .build_arc()
            .map_err(from_datafusion)?;
        self.shared.files.register(&runtime);
        let context = SessionContext::new_with_config_rt(config, runtime);
        let catalog = MemoryCatalogProvider::new();
        let mut has_default = false;
        for (name, tables) in snapshot {
            has_default |= name == database;
            let schema = MemorySchemaProvider::new();
            for (table, provider) in tables {
                schema
                    .register_table(table, Arc::new(provider))
                    .map_err(from_datafusion)?;
            }
            catalog
                .register_schema(&name, Arc::new(schema))
                .map_err(from_datafusion)?;
        }
        if !has_default {
            catalog
                .register_schema(database, Arc::new(MemorySchemaProvider::new()))
                .map_err(from_datafusion)?;
        }
        context.register_catalog(CATALOG, Arc::new(catalog));
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let run = async {
            let frame =
                context
                    .sql_with_options(sql, options)
                    .await
                    .map_err(|error| match error.find_root() {
                        DataFusionError::Plan(message)
                            if message.contains("not supported")
                                || message.contains("DDL")
                                || message.contains("DML")
                                || message.contains("Statement") =>
                        {
                            Error::NotAQuery(message.clone())
                        }
                        _ => from_datafusion(error),
                    })?;
            let frame = frame
                .limit(0, Some(limits.max_rows + 1))
                .map_err(from_datafusion)?;
            let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
            let batches = frame.collect().await.map_err(from_datafusion)?;
            Ok::<_, Error>(QueryOutput { schema, batches })
        };
        let output = tokio::time::timeout(limits.timeout, run)
            .await
            .map_err(|_| Error::QueryTimeout(limits.timeout))??;
        if output.rows() > limits.max_rows {
            return Err(Error::TooManyRows(limits.max_rows));
        }
        Ok(output)
    }
}
