//! What the programmes add up to: work queues ("12 waiting for Xiaolan town review, oldest 9
//! days"), reports by year, batch, town, industry, size and programme with growth against the
//! previous year, their `.xlsx` and `.csv` exports, and the public notice list.

use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;
use zhizao_core::{Fen, Language, Text, Timestamp};
use zhizao_db::SqlBuilder;
use zhizao_identity::Principal;
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_registry::{ExportFormat, restrict_to_scope};

use crate::model::Programme;
use crate::workflow::{Party, Status};
use crate::{Error, Projects, Result};

/// Applications waiting in one status in one town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueLine {
    /// The status.
    pub status: Status,
    /// Who must act.
    pub waiting_on: Party,
    /// The applicants' town.
    pub town_code: String,
    /// Its name.
    pub town_name_zh: String,
    /// How many.
    pub count: i64,
    /// Since when the oldest has waited.
    pub oldest_since: Timestamp,
}

impl QueueLine {
    /// Whole days the oldest has waited at `now`.
    pub fn oldest_days(&self, now: Timestamp) -> i64 {
        (now.as_millis() - self.oldest_since.as_millis()).max(0) / 86_400_000
    }

    /// The line as a sentence, e.g. "小榄镇：12 件待镇街审核，待镇街办理，最久 9 天".
    pub fn sentence(&self, now: Timestamp) -> Text {
        let days = self.oldest_days(now);
        Text::owned(
            format!(
                "{}：{} 件{}，待{}办理，最久 {days} 天",
                self.town_name_zh,
                self.count,
                self.status.label().zh,
                self.waiting_on.label().zh
            ),
            format!(
                "{}: {} application(s) {}, waiting for {}, oldest {days} day(s)",
                self.town_name_zh,
                self.count,
                self.status.label().en.to_lowercase(),
                self.waiting_on.label().en
            ),
        )
    }
}

/// What a report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Programme year.
    Year,
    /// Intake batch.
    Batch,
    /// The applicant's town.
    Town,
    /// The applicant's industry division (GB/T 4754 two digits).
    Industry,
    /// Above or below the designated size.
    Size,
    /// Programme.
    Programme,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: &'static [Dimension] = &[
        Dimension::Year,
        Dimension::Batch,
        Dimension::Town,
        Dimension::Industry,
        Dimension::Size,
        Dimension::Programme,
    ];

    /// The name used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Year => "year",
            Dimension::Batch => "batch",
            Dimension::Town => "town",
            Dimension::Industry => "industry",
            Dimension::Size => "size",
            Dimension::Programme => "programme",
        }
    }

    /// The dimension named `value`.
    pub fn parse(value: &str) -> Option<Self> {
        Dimension::ALL.iter().copied().find(|d| d.as_str() == value)
    }

    /// The column header.
    pub fn label(self) -> Text {
        match self {
            Dimension::Year => Text::new("年度", "Year"),
            Dimension::Batch => Text::new("批次", "Batch"),
            Dimension::Town => Text::new("镇街", "Town"),
            Dimension::Industry => Text::new("行业大类", "Industry division"),
            Dimension::Size => Text::new("企业规模", "Size"),
            Dimension::Programme => Text::new("专项", "Programme"),
        }
    }

    fn key_sql(self) -> &'static str {
        match self {
            Dimension::Year => "CAST(b.year AS TEXT)",
            Dimension::Batch => "b.code",
            Dimension::Town => "e.town_code",
            Dimension::Industry => "SUBSTR(e.industry_code, 1, 2)",
            Dimension::Size => {
                "CASE WHEN e.above_designated_size = 1 THEN 'above' ELSE 'below' END"
            }
            Dimension::Programme => "b.programme",
        }
    }

    fn label_sql(self) -> &'static str {
        match self {
            Dimension::Year => "MIN(CAST(b.year AS TEXT))",
            Dimension::Batch => "MIN(b.title)",
            Dimension::Town => "MIN(t.name_zh)",
            Dimension::Industry => {
                "MIN((SELECT i.name_zh FROM industries i WHERE i.code = SUBSTR(e.industry_code, 1, 2)))"
            }
            Dimension::Size => {
                "MIN(CASE WHEN e.above_designated_size = 1 THEN '规上' ELSE '规下' END)"
            }
            Dimension::Programme => "MIN(b.programme)",
        }
    }
}

/// Which applications a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// Programme year.
    pub year: Option<i64>,
    /// Programme.
    pub programme: Option<Programme>,
    /// Batch code.
    pub batch: Option<String>,
    /// Town (merged towns included).
    pub town: Option<String>,
}

/// The figures of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Totals {
    /// Applications submitted (drafts and withdrawn ones not counted).
    pub applications: i64,
    /// Approved projects (approved and every later stage).
    pub projects: i64,
    /// Distinct enterprises with an approved project.
    pub enterprises: i64,
    /// Investment of approved projects (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub investment_fen: Fen,
    /// Eligible investment of approved projects (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub eligible_investment_fen: Fen,
    /// Subsidies granted (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub granted_fen: Fen,
    /// Subsidies paid (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub disbursed_fen: Fen,
}

/// One row of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// The group's key (year, batch code, town code, division code, `above`/`below`,
    /// programme).
    pub key: String,
    /// The group as people read it.
    pub label: String,
    /// Its figures.
    pub totals: Totals,
    /// The same group's figures a year earlier, when the report compares years.
    pub previous_year: Option<Totals>,
    /// Growth of approved enterprises against the previous year (percent, one decimal).
    pub enterprises_growth_percent: Option<f64>,
    /// Growth of the amount granted against the previous year (percent, one decimal).
    pub granted_growth_percent: Option<f64>,
}

/// A report: rows and their sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What it groups by.
    pub dimension: Dimension,
    /// The rows, by key.
    pub rows: Vec<ReportRow>,
    /// The sum over all rows (enterprises counted once).
    pub total: Totals,
}

const APPROVED: &str = "a.status IN ('approved', 'acceptance_review', 'accepted', 'disbursed')";

/// Growth in percent with one decimal, when there is something to grow from.
fn growth(before: i64, after: i64) -> Option<f64> {
    (before > 0).then(|| ((after - before) as f64 * 1000.0 / before as f64).round() / 10.0)
}

fn report_select(
    principal: &Principal,
    dimension: Option<Dimension>,
    filter: &ReportFilter,
) -> SqlBuilder {
    let mut select = SqlBuilder::new("SELECT ");
    if let Some(dimension) = dimension {
        select
            .push(dimension.key_sql())
            .push(" AS key, ")
            .push(dimension.label_sql())
            .push(" AS label, ");
    }
    select.push(
        "COUNT(*) AS applications, \
         CAST(COALESCE(SUM(CASE WHEN ",
    );
    select
        .push(APPROVED)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS projects, COUNT(DISTINCT CASE WHEN ");
    select
        .push(APPROVED)
        .push(" THEN a.enterprise_id END) AS enterprises, CAST(COALESCE(SUM(CASE WHEN ");
    select.push(APPROVED).push(
        " THEN a.total_investment_fen ELSE 0 END), 0) AS BIGINT) AS investment_fen, \
         CAST(COALESCE(SUM(a.eligible_investment_fen), 0) AS BIGINT) AS eligible_investment_fen, \
         CAST(COALESCE(SUM(a.granted_fen), 0) AS BIGINT) AS granted_fen, \
         CAST(COALESCE(SUM(a.disbursed_fen), 0) AS BIGINT) AS disbursed_fen \
         FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
         JOIN enterprises e ON e.id = a.enterprise_id JOIN towns t ON t.code = e.town_code \
         WHERE a.status NOT IN ('draft', 'withdrawn')",
    );
    restrict_to_scope(&policy::application_scope(principal), &mut select);
    if let Some(year) = filter.year {
        select.push(" AND b.year = ").push_bind(year);
    }
    if let Some(programme) = filter.programme {
        select
            .push(" AND b.programme = ")
            .push_bind(programme.as_str());
    }
    if let Some(batch) = filter.batch.as_deref().filter(|b| !b.is_empty()) {
        select.push(" AND b.code = ").push_bind(batch);
    }
    if let Some(town) = filter.town.as_deref().filter(|t| !t.is_empty()) {
        restrict_to_scope(&EnterpriseScope::Town(town.to_owned()), &mut select);
    }
    if let Some(dimension) = dimension {
        select
            .push(" GROUP BY ")
            .push(dimension.key_sql())
            .push(" ORDER BY ")
            .push(dimension.key_sql());
    }
    select
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    key: String,
    label: Option<String>,
    #[sqlx(flatten)]
    totals: Totals,
}

fn programme_label(key: &str) -> String {
    key.parse::<Programme>()
        .map(|p| p.label().zh.into_owned())
        .unwrap_or_else(|_| key.to_owned())
}

impl Projects {
    /// What is waiting on whom in the caller's scope, longest waiting first. A project approved
    /// into the library by a batch that grants no money waits on no one.
    pub async fn queue(&self, principal: &Principal) -> Result<Vec<QueueLine>> {
        let mut select = SqlBuilder::new(
            "SELECT a.status, e.town_code, MIN(t.name_zh) AS town_name_zh, COUNT(*) AS count, MIN(a.status_changed_at) AS oldest_since \
             FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
             JOIN enterprises e ON e.id = a.enterprise_id JOIN towns t ON t.code = e.town_code \
             WHERE 1 = 1",
        );
        select.push(crate::applications::OPEN_ONLY);
        restrict_to_scope(&policy::application_scope(principal), &mut select);
        if !policy::sees_drafts(principal) {
            select.push(" AND a.status <> 'draft'");
        }
        select.push(" GROUP BY a.status, e.town_code ORDER BY MIN(a.status_changed_at)");
        let rows: Vec<(String, String, String, i64, i64)> =
            select.query_as().fetch_all(self.db.pool()).await?;
        let mut lines = Vec::with_capacity(rows.len());
        for (status, town_code, town_name_zh, count, oldest_since) in rows {
            let status: Status = status.parse().map_err(Error::UnknownStoredValue)?;
            let Some(waiting_on) = status.waiting_on() else {
                continue;
            };
            lines.push(QueueLine {
                status,
                waiting_on,
                town_code,
                town_name_zh,
                count,
                oldest_since: Timestamp::from_millis(oldest_since),
            });
        }
        Ok(lines)
    }

    /// Figures by `dimension` over the applications in the caller's scope that match `filter`;
    /// with a year in the filter, each row is compared with the previous year.
    pub async fn report(
        &self,
        principal: &Principal,
        dimension: Dimension,
        filter: &ReportFilter,
    ) -> Result<Report> {
        let rows: Vec<GroupRow> = report_select(principal, Some(dimension), filter)
            .query_as()
            .fetch_all(self.db.pool())
            .await?;
        let total: Totals = report_select(principal, None, filter)
            .query_as()
            .fetch_one(self.db.pool())
            .await?;
        // The previous year: the same grouping a year earlier, or for a report by year, the row
        // of the year before.
        let previous: Vec<GroupRow> = match (dimension, filter.year) {
            (Dimension::Year, _) => Vec::new(),
            (_, Some(year)) => {
                let earlier = ReportFilter {
                    year: Some(year.saturating_sub(1)),
                    ..filter.clone()
                };
                report_select(principal, Some(dimension), &earlier)
                    .query_as()
                    .fetch_all(self.db.pool())
                    .await?
            }
            (_, None) => Vec::new(),
        };
        let mut report_rows: Vec<ReportRow> = Vec::with_capacity(rows.len());
        for row in &rows {
            let before = match dimension {
                Dimension::Year => {
                    let year: i64 = row.key.parse().unwrap_or(0);
                    rows.iter()
                        .find(|r| r.key == year.saturating_sub(1).to_string())
                        .map(|r| r.totals.clone())
                }
                _ if filter.year.is_some() => Some(
                    previous
                        .iter()
                        .find(|r| r.key == row.key)
                        .map(|r| r.totals.clone())
                        .unwrap_or_default(),
                ),
                _ => None,
            };
            let label = match dimension {
                Dimension::Programme => programme_label(&row.key),
                _ => row.label.clone().unwrap_or_else(|| row.key.clone()),
            };
            report_rows.push(ReportRow {
                key: row.key.clone(),
                label,
                enterprises_growth_percent: before
                    .as_ref()
                    .and_then(|b| growth(b.enterprises, row.totals.enterprises)),
                granted_growth_percent: before
                    .as_ref()
                    .and_then(|b| growth(b.granted_fen.get(), row.totals.granted_fen.get())),
                totals: row.totals.clone(),
                previous_year: before,
            });
        }
        Ok(Report {
            dimension,
            rows: report_rows,
            total,
        })
    }

    /// Applications on public notice now: what a notice must show and nothing more (no login
    /// needed to read it).
    pub async fn public_notices(&self) -> Result<Vec<NoticeEntry>> {
        let rows: Vec<NoticeEntry> = sqlx::query_as(
            "SELECT a.number, b.title AS batch_title, e.name AS enterprise_name, t.name_zh AS town_name_zh, a.project_name, \
             a.upgrade_type, a.total_investment_fen, a.status_changed_at AS notice_starts_at, a.notice_ends_at, \
             (SELECT v.amount_fen FROM subsidy_evaluations v WHERE v.application_id = a.id ORDER BY v.evaluated_at DESC, v.id DESC LIMIT 1) AS proposed_subsidy_fen \
             FROM project_applications a JOIN project_batches b ON b.id = a.batch_id JOIN enterprises e ON e.id = a.enterprise_id \
             JOIN towns t ON t.code = e.town_code WHERE a.status = 'public_notice' ORDER BY a.notice_ends_at, a.number",
        )
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows)
    }
}

/// One line of the public notice (公示).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NoticeEntry {
    /// Application number.
    pub number: String,
    /// The batch.
    pub batch_title: String,
    /// The applicant.
    pub enterprise_name: String,
    /// Its town.
    pub town_name_zh: String,
    /// The project.
    pub project_name: String,
    /// The kind of upgrade.
    pub upgrade_type: String,
    /// Its investment (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub total_investment_fen: Fen,
    /// The proposed subsidy (fen), for programmes that grant money.
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub proposed_subsidy_fen: Option<Fen>,
    /// Notice start.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub notice_starts_at: Timestamp,
    /// Notice end.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub notice_ends_at: Option<Timestamp>,
}

fn escape_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// [`export_report`] on the blocking thread pool, for async callers.
pub async fn export_report_in_background(
    report: Report,
    format: ExportFormat,
    language: Language,
) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || export_report(&report, format, language))
        .await
        .map_err(|e| Error::Export(e.to_string()))?
}

/// A report as a spreadsheet: one row per group and a total row; money in yuan.
pub fn export_report(report: &Report, format: ExportFormat, language: Language) -> Result<Vec<u8>> {
    let zh = language == Language::ZhCn;
    let mut headers: Vec<String> = vec![report.dimension.label().get(language).to_owned()];
    let columns: [(&str, &str); 7] = [
        ("申报数", "Applications"),
        ("立项数", "Projects"),
        ("立项企业数", "Enterprises"),
        ("总投资（元）", "Investment (yuan)"),
        ("可计入投资（元）", "Eligible investment (yuan)"),
        ("核定补助（元）", "Granted (yuan)"),
        ("已拨付（元）", "Disbursed (yuan)"),
    ];
    headers.extend(
        columns
            .iter()
            .map(|(z, e)| if zh { (*z).to_owned() } else { (*e).to_owned() }),
    );
    headers.push(
        if zh {
            "企业数同比（%）"
        } else {
            "Enterprises vs previous year (%)"
        }
        .into(),
    );
    headers.push(
        if zh {
            "补助额同比（%）"
        } else {
            "Granted vs previous year (%)"
        }
        .into(),
    );
    let total_label = if zh { "合计" } else { "Total" };
    let mut lines: Vec<(String, &Totals, Option<f64>, Option<f64>)> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                &r.totals,
                r.enterprises_growth_percent,
                r.granted_growth_percent,
            )
        })
        .collect();
    lines.push((total_label.to_owned(), &report.total, None, None));
    let yuan = |fen: Fen| fen.to_plain_yuan_string();
    match format {
        ExportFormat::Csv => {
            let mut buffer = b"\xEF\xBB\xBF".to_vec();
            {
                let mut writer = csv::Writer::from_writer(&mut buffer);
                let fail = |e: csv::Error| Error::Export(e.to_string());
                writer.write_record(&headers).map_err(fail)?;
                for (label, totals, enterprises, granted) in &lines {
                    writer
                        .write_record([
                            escape_formula(label),
                            totals.applications.to_string(),
                            totals.projects.to_string(),
                            totals.enterprises.to_string(),
                            yuan(totals.investment_fen),
                            yuan(totals.eligible_investment_fen),
                            yuan(totals.granted_fen),
                            yuan(totals.disbursed_fen),
                            enterprises.map(|g| format!("{g:.1}")).unwrap_or_default(),
                            granted.map(|g| format!("{g:.1}")).unwrap_or_default(),
                        ])
                        .map_err(fail)?;
                }
                writer.flush().map_err(|e| Error::Export(e.to_string()))?;
            }
            Ok(buffer)
        }
        ExportFormat::Xlsx => {
            let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Export(e.to_string());
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet
                .set_name(if zh { "项目统计" } else { "Projects" })
                .map_err(xlsx)?;
            let bold = Format::new().set_bold();
            let money = Format::new().set_num_format("#,##0.00");
            let percent = Format::new().set_num_format("0.0");
            for (column, header) in headers.iter().enumerate() {
                sheet
                    .write_string_with_format(0, column as u16, header, &bold)
                    .map_err(xlsx)?;
                sheet
                    .set_column_width(column as u16, if column == 0 { 28.0 } else { 18.0 })
                    .map_err(xlsx)?;
            }
            for (index, (label, totals, enterprises, granted)) in lines.iter().enumerate() {
                let row = index as u32 + 1;
                sheet
                    .write_string(row, 0, escape_formula(label))
                    .map_err(xlsx)?;
                for (column, count) in [totals.applications, totals.projects, totals.enterprises]
                    .into_iter()
                    .enumerate()
                {
                    sheet
                        .write_number(row, column as u16 + 1, count as f64)
                        .map_err(xlsx)?;
                }
                for (column, fen) in [
                    totals.investment_fen,
                    totals.eligible_investment_fen,
                    totals.granted_fen,
                    totals.disbursed_fen,
                ]
                .into_iter()
                .enumerate()
                {
                    sheet
                        .write_number_with_format(
                            row,
                            column as u16 + 4,
                            fen.get() as f64 / 100.0,
                            &money,
                        )
                        .map_err(xlsx)?;
                }
                for (column, value) in [enterprises, granted].into_iter().enumerate() {
                    if let Some(value) = value {
                        sheet
                            .write_number_with_format(row, column as u16 + 8, *value, &percent)
                            .map_err(xlsx)?;
                    }
                }
            }
            sheet.set_freeze_panes(1, 1).map_err(xlsx)?;
            workbook.save_to_buffer().map_err(xlsx)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_rounded_to_one_decimal_and_absent_from_nothing() {
        // The seed: 97 → 130 enterprises is +34.0 %; 165.7 M → 327 M yuan is +97.3 %.
        assert_eq!(growth(97, 130), Some(34.0));
        assert_eq!(growth(16_570_000_000, 32_700_000_000), Some(97.3));
        assert_eq!(growth(0, 5), None);
        assert_eq!(growth(10, 5), Some(-50.0));
    }

    #[test]
    fn exports_carry_every_row_and_the_total() {
        let totals = Totals {
            applications: 3,
            projects: 2,
            enterprises: 2,
            investment_fen: Fen::new(123_456),
            eligible_investment_fen: Fen::new(100_000),
            granted_fen: Fen::new(10_000),
            disbursed_fen: Fen::new(0),
        };
        let report = Report {
            dimension: Dimension::Town,
            rows: vec![ReportRow {
                key: "442000118".into(),
                label: "=小榄镇".into(),
                totals: totals.clone(),
                previous_year: None,
                enterprises_growth_percent: Some(34.0),
                granted_growth_percent: None,
            }],
            total: totals,
        };
        let csv = export_report(&report, ExportFormat::Csv, Language::ZhCn).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("\u{feff}镇街,申报数"));
        assert_eq!(lines[1], "'=小榄镇,3,2,2,1234.56,1000.00,100.00,0.00,34.0,");
        assert_eq!(lines[2], "合计,3,2,2,1234.56,1000.00,100.00,0.00,,");
        let xlsx = export_report(&report, ExportFormat::Xlsx, Language::En).unwrap();
        assert_eq!(&xlsx[..2], b"PK");
    }
}
