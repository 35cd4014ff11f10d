//! A factory's figures as queries over its orders: per month of a year (in Asia/Shanghai) and
//! for the year, the orders placed, confirmed and cancelled, the deliveries and how many kept
//! their promised date, the enterprises served, the good pieces delivered, the revenue (the
//! amounts due of the deliveries) and the clients' ratings; lateness the client caused (its
//! material came later than it said) is counted apart, and each client's year is listed. Machine figures (OEE) come from
//! `performance`, over the same resources.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use zhizao_core::{Fen, Timestamp};
use zhizao_identity::Principal;

use crate::order::OrderStatus;
use crate::setup::{local_day, parse_local};
use crate::{Error, Factories, Result};

/// One period's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PeriodFigures {
    /// `2026-11`, or `2026` for the year.
    pub period: String,
    /// Orders placed (quoted) in it.
    pub placed: i64,
    /// Of those, confirmed at some point (confirmed, delivered or received now).
    pub confirmed: i64,
    /// Of those, cancelled.
    pub cancelled: i64,
    /// Deliveries in it.
    pub deliveries: i64,
    /// Of those, by the promised date.
    pub on_time: i64,
    /// Of the late ones, those whose material the client brought later than it said: the
    /// client's lateness, not the plant's.
    pub late_client: i64,
    /// Enterprises a delivery went to.
    pub clients_served: i64,
    /// Good pieces delivered.
    pub pieces: i64,
    /// The deliveries' amounts due.
    pub revenue: Fen,
    /// Ratings given (1–5) and their sum.
    pub ratings: i64,
    /// Sum of the ratings.
    pub rating_sum: i64,
}

impl PeriodFigures {
    /// On-time share of the deliveries, absent without any.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.deliveries > 0).then(|| self.on_time as f64 / self.deliveries as f64)
    }

    /// On-time share of the deliveries the plant answers for (those late for the client's
    /// material left out), absent without any.
    pub fn fair_on_time_rate(&self) -> Option<f64> {
        let answerable = self.deliveries - self.late_client;
        (answerable > 0).then(|| self.on_time as f64 / answerable as f64)
    }

    /// Mean rating, absent without any.
    pub fn mean_rating(&self) -> Option<f64> {
        (self.ratings > 0).then(|| self.rating_sum as f64 / self.ratings as f64)
    }
}

/// A year of a factory's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactoryFigures {
    /// The year.
    pub year: i32,
    /// Each month, January first (months after today left out).
    pub months: Vec<PeriodFigures>,
    /// The year.
    pub total: PeriodFigures,
    /// Everything from the factory's first order to the end of the year (`period` is
    /// `…2026`): what the factory has done in all.
    pub to_date: PeriodFigures,
    /// The year per client delivered to (`period` names the client), most pieces first.
    pub clients: Vec<ClientFigures>,
}

/// A client's year with the factory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientFigures {
    /// The client's organisation code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its deliveries, on time, late for its own material, pieces, revenue and ratings.
    pub figures: PeriodFigures,
}

#[derive(sqlx::FromRow)]
struct Row {
    client_id: i64,
    client_code: String,
    client_name: String,
    status: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    promised_at: Timestamp,
    delivered_at: Option<i64>,
    good_quantity: Option<i64>,
    final_fen: Option<i64>,
    rating: Option<i64>,
    material_late: Option<i64>,
}

/// The factory's figures from its first order to `end`, summed by the database.
async fn to_date(
    connection: &mut sqlx::AnyConnection,
    platform: i64,
    end: Timestamp,
    year: i32,
) -> Result<PeriodFigures> {
    let (placed, confirmed, cancelled): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status IN ($3, $4, $5) THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN status = $6 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM factory_orders WHERE platform_id = $1 AND created_at < $2",
    )
    .bind(platform)
    .bind(end.as_millis())
    .bind(OrderStatus::Confirmed.as_str())
    .bind(OrderStatus::Delivered.as_str())
    .bind(OrderStatus::Received.as_str())
    .bind(OrderStatus::Cancelled.as_str())
    .fetch_one(&mut *connection)
    .await?;
    #[allow(clippy::type_complexity)]
    let row: (i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN delivered_at <= promised_at THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN delivered_at > promised_at AND material_late = 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         COUNT(DISTINCT client_id), CAST(COALESCE(SUM(good_quantity), 0) AS BIGINT), \
         CAST(COALESCE(SUM(final_fen), 0) AS BIGINT), COUNT(rating), CAST(COALESCE(SUM(rating), 0) AS BIGINT) \
         FROM factory_orders WHERE platform_id = $1 AND delivered_at < $2",
    )
    .bind(platform)
    .bind(end.as_millis())
    .fetch_one(&mut *connection)
    .await?;
    Ok(PeriodFigures {
        period: format!("…{year}"),
        placed,
        confirmed,
        cancelled,
        deliveries: row.0,
        on_time: row.1,
        late_client: row.2,
        clients_served: row.3,
        pieces: row.4,
        revenue: Fen::new(row.5),
        ratings: row.6,
        rating_sum: row.7,
    })
}

/// The month `YYYY-MM` an instant falls in, Asia/Shanghai.
/// A year of a factory's machine figures (ISO 22400-2, from what its devices reported over
/// its current set-up's resources), per month to today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineFigures {
    /// Each month (`2026-11`) with its time model, January first.
    pub months: Vec<crate::performance::OeeRow>,
    /// The year: the months its machines reported in (a month before they were connected
    /// would count as a month of silence).
    pub total: crate::oee::TimeModel,
}

fn month_of(at: Timestamp) -> String {
    let (date, _) = local_day(at);
    format!("{}-{:02}", date.year(), u8::from(date.month()))
}

impl Factories {
    /// The year's figures of every factory the caller may read (the city: all of them; a
    /// factory's staff: their own; anyone else: none), in the order of [`Factories::published`].
    pub async fn figures_of_all(
        &self,
        principal: &Principal,
        year: i32,
    ) -> Result<Vec<(crate::PublishedFactory, FactoryFigures)>> {
        let mut all = Vec::new();
        for factory in self.published(principal).await? {
            match self.figures(principal, &factory.code, year).await {
                Ok(figures) => all.push((factory, figures)),
                Err(Error::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(all)
    }

    /// The machines' figures of the factory with `code` for `year` by month, to today (its
    /// staff and the city; 404 for anyone else): `None` for a year to come, a factory without a
    /// set-up, or a platform that runs without a telemetry store.
    pub async fn machine_figures(
        &self,
        principal: &Principal,
        code: &str,
        year: i32,
    ) -> Result<Option<MachineFigures>> {
        let today = local_day(self.clock.now()).0;
        let first = time::Date::from_calendar_date(year, time::Month::January, 1)
            .map_err(|_| Error::invalid("year", "年份无效", "not a year"))?;
        let last = time::Date::from_calendar_date(year, time::Month::December, 31)
            .map_err(|_| Error::invalid("year", "年份无效", "not a year"))?
            .min(today);
        if self.telemetry.is_none() || last < first {
            return Ok(None);
        }
        let request = crate::performance::OeeRequest {
            from: first,
            to: last,
            grouping: crate::performance::Grouping::Platform,
            bucket: crate::performance::Bucket::Month,
        };
        match self.oee(principal, code, request).await {
            Ok((_, report)) => Ok(Some(MachineFigures {
                total: report
                    .rows
                    .iter()
                    .map(|row| row.model)
                    .filter(crate::oee::TimeModel::recorded)
                    .sum(),
                months: report.rows,
            })),
            Err(Error::NotFound {
                what: "factory set-up",
                ..
            }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The figures of the factory with `code` for `year` (its staff and the city; 404 for anyone
    /// else); a year before 2000 or after next year is refused.
    pub async fn figures(
        &self,
        principal: &Principal,
        code: &str,
        year: i32,
    ) -> Result<FactoryFigures> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        let now = self.clock.now();
        let this_year = local_day(now).0.year();
        if !(2000..=this_year + 1).contains(&year) {
            return Err(Error::invalid(
                "year",
                "年份须在 2000 年到明年之间",
                "the year must be from 2000 to next year",
            ));
        }
        let start = parse_local(&format!("{year}-01-01 00:00"))
            .ok_or_else(|| Error::Corrupt(format!("the start of {year}")))?;
        let end = parse_local(&format!("{}-01-01 00:00", year + 1))
            .ok_or_else(|| Error::Corrupt(format!("the end of {year}")))?;
        // Orders placed in the year, and those delivered in it.
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT f.client_id, c.code AS client_code, c.name AS client_name, f.status, f.created_at, \
             f.promised_at, f.delivered_at, f.good_quantity, f.final_fen, f.rating, f.material_late \
             FROM factory_orders f JOIN organizations c ON c.id = f.client_id WHERE f.platform_id = $1 \
             AND ((f.created_at >= $2 AND f.created_at < $3) OR (f.delivered_at >= $2 AND f.delivered_at < $3))",
        )
        .bind(platform)
        .bind(start.as_millis())
        .bind(end.as_millis())
        .fetch_all(&mut *connection)
        .await?;
        let last_month = if year == this_year {
            u8::from(local_day(now).0.month())
        } else if year < this_year {
            12
        } else {
            0
        };
        let mut months: Vec<PeriodFigures> = (1..=last_month)
            .map(|month| PeriodFigures {
                period: format!("{year}-{month:02}"),
                ..PeriodFigures::default()
            })
            .collect();
        let mut total = PeriodFigures {
            period: year.to_string(),
            ..PeriodFigures::default()
        };
        let mut served: Vec<HashSet<i64>> = vec![HashSet::new(); months.len()];
        let mut served_year = HashSet::new();
        let mut clients: HashMap<i64, ClientFigures> = HashMap::new();
        let in_year = |at: Timestamp| at >= start && at < end;
        for row in &rows {
            let status: OrderStatus = row
                .status
                .parse()
                .map_err(|_| Error::Corrupt(format!("an order's status {:?}", row.status)))?;
            if in_year(row.created_at) {
                let month = month_of(row.created_at);
                for figures in months
                    .iter_mut()
                    .filter(|m| m.period == month)
                    .chain(std::iter::once(&mut total))
                {
                    figures.placed += 1;
                    figures.confirmed += i64::from(matches!(
                        status,
                        OrderStatus::Confirmed | OrderStatus::Delivered | OrderStatus::Received
                    ));
                    figures.cancelled += i64::from(status == OrderStatus::Cancelled);
                }
            }
            let Some(delivered_at) = row.delivered_at.map(Timestamp::from_millis) else {
                continue;
            };
            if !in_year(delivered_at) {
                continue;
            }
            let month = month_of(delivered_at);
            if let Some(index) = months.iter().position(|m| m.period == month) {
                served[index].insert(row.client_id);
            }
            served_year.insert(row.client_id);
            let client = clients
                .entry(row.client_id)
                .or_insert_with(|| ClientFigures {
                    code: row.client_code.clone(),
                    name: row.client_name.clone(),
                    figures: PeriodFigures {
                        period: row.client_code.clone(),
                        clients_served: 1,
                        ..PeriodFigures::default()
                    },
                });
            let on_time = delivered_at <= row.promised_at;
            for figures in months
                .iter_mut()
                .filter(|m| m.period == month)
                .chain([&mut total, &mut client.figures])
            {
                figures.deliveries += 1;
                figures.on_time += i64::from(on_time);
                figures.late_client += i64::from(!on_time && row.material_late == Some(1));
                figures.pieces += row.good_quantity.unwrap_or(0);
                figures.revenue = Fen::new(
                    figures
                        .revenue
                        .get()
                        .saturating_add(row.final_fen.unwrap_or(0)),
                );
                if let Some(rating) = row.rating {
                    figures.ratings += 1;
                    figures.rating_sum += rating;
                }
            }
        }
        for (figures, clients) in months.iter_mut().zip(&served) {
            figures.clients_served = clients.len() as i64;
        }
        total.clients_served = served_year.len() as i64;
        let mut clients: Vec<ClientFigures> = clients.into_values().collect();
        clients.sort_by(|a, b| (b.figures.pieces, &a.code).cmp(&(a.figures.pieces, &b.code)));
        let to_date = to_date(&mut connection, platform, end, year).await?;
        Ok(FactoryFigures {
            year,
            months,
            total,
            to_date,
            clients,
        })
    }
}
