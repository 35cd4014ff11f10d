//! Reference data: Zhongshan's towns and the GB/T 4754-2017 manufacturing classification.
//!
//! The data files under `data/` are embedded in the binary; [`sync`] writes them to the
//! database (inserting new codes, updating changed ones), so every release carries its
//! corrections without a schema migration.

use std::collections::HashMap;

use zhizao_db::Database;

use crate::model::{IndustryClass, Town};
use crate::{Registry, Result};

const TOWNS_CSV: &str = include_str!("../data/towns_zhongshan.csv");
const INDUSTRIES_CSV: &str = include_str!("../data/industry_gbt4754_2017_c.csv");
const DIVISIONS_EN_CSV: &str = include_str!("../data/divisions_en.csv");

fn records(csv_text: &str) -> impl Iterator<Item = csv::StringRecord> + '_ {
    csv::Reader::from_reader(csv_text.as_bytes())
        .into_records()
        .map(|r| r.expect("embedded reference data is valid CSV"))
}

/// Writes the embedded towns and industry classes to the database; idempotent.
///
/// # Panics
/// If the embedded files are malformed, which a unit test rules out.
pub async fn sync(db: &Database) -> Result<()> {
    let mut transaction = db.begin().await?;
    // Successors refer to other towns, so insert every town before setting successors.
    for (order, record) in records(TOWNS_CSV).enumerate() {
        sqlx::query(
            "INSERT INTO towns (code, name_zh, name_en, kind, valid_from, valid_to, successor_code, sort_order) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, kind = excluded.kind, \
             valid_from = excluded.valid_from, valid_to = excluded.valid_to, sort_order = excluded.sort_order",
        )
        .bind(&record[0])
        .bind(&record[1])
        .bind(&record[2])
        .bind(&record[3])
        .bind(&record[4])
        .bind(Some(&record[5]).filter(|v| !v.is_empty()).map(str::to_owned))
        .bind(order as i64)
        .execute(&mut *transaction)
        .await?;
    }
    for record in records(TOWNS_CSV) {
        sqlx::query("UPDATE towns SET successor_code = $1 WHERE code = $2")
            .bind(
                Some(&record[6])
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            )
            .bind(&record[0])
            .execute(&mut *transaction)
            .await?;
    }
    let english: HashMap<String, String> = records(DIVISIONS_EN_CSV)
        .map(|r| (r[0].to_owned(), r[1].to_owned()))
        .collect();
    for (order, record) in records(INDUSTRIES_CSV).enumerate() {
        sqlx::query(
            "INSERT INTO industries (code, level, parent_code, name_zh, name_en, sort_order) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET level = excluded.level, parent_code = excluded.parent_code, \
             name_zh = excluded.name_zh, name_en = excluded.name_en, sort_order = excluded.sort_order",
        )
        .bind(&record[0])
        .bind(&record[1])
        .bind(Some(&record[2]).filter(|v| !v.is_empty()).map(str::to_owned))
        .bind(&record[3])
        .bind(english.get(&record[0]).cloned())
        .bind(order as i64)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

impl Registry {
    /// Every town and sub-district, current ones first in official order, then retired ones.
    pub async fn towns(&self) -> Result<Vec<Town>> {
        Ok(sqlx::query_as(
            "SELECT code, name_zh, name_en, kind, valid_from, valid_to, successor_code FROM towns \
             ORDER BY CASE WHEN valid_to IS NULL THEN 0 ELSE 1 END, sort_order",
        )
        .fetch_all(self.db.pool())
        .await?)
    }

    /// Industry codes at `level` (`division`, `group`, `class`), optionally under `parent`.
    pub async fn industries(
        &self,
        level: Option<&str>,
        parent: Option<&str>,
    ) -> Result<Vec<IndustryClass>> {
        let mut select = zhizao_db::SqlBuilder::new(
            "SELECT code, level, parent_code, name_zh, name_en FROM industries WHERE 1 = 1",
        );
        if let Some(level) = level {
            select.push(" AND level = ").push_bind(level);
        }
        if let Some(parent) = parent {
            select.push(" AND parent_code = ").push_bind(parent);
        }
        select.push(" ORDER BY sort_order");
        Ok(select
            .query_as::<IndustryClass>()
            .fetch_all(self.db.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn embedded_towns_are_consistent() {
        let towns: Vec<csv::StringRecord> = records(TOWNS_CSV).collect();
        let codes: HashSet<&str> = towns.iter().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(codes.len(), towns.len(), "codes are unique");
        let current = towns.iter().filter(|r| r[5].is_empty()).count();
        assert_eq!(current, 23, "Zhongshan has 23 township-level units today");
        for town in &towns {
            assert!(
                zhizao_core::TownCode::parse(&town[0]).is_ok(),
                "{:?}",
                &town[0]
            );
            assert!(town[0].starts_with("442000"));
            assert_eq!(
                town[5].is_empty(),
                town[6].is_empty(),
                "retired units name a successor: {:?}",
                &town[0]
            );
            if !town[6].is_empty() {
                let successor = towns
                    .iter()
                    .find(|t| t[0] == town[6])
                    .expect("successor exists");
                assert!(
                    successor[5].is_empty(),
                    "successor of {} is current",
                    &town[0]
                );
            }
        }
    }

    #[test]
    fn embedded_industries_form_a_tree() {
        let rows: Vec<csv::StringRecord> = records(INDUSTRIES_CSV).collect();
        let codes: HashSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(codes.len(), rows.len());
        let count = |level: &str| rows.iter().filter(|r| &r[1] == level).count();
        assert_eq!(
            (count("division"), count("group"), count("class")),
            (31, 179, 609)
        );
        for row in rows.iter().filter(|r| &r[1] != "section") {
            assert!(
                codes.contains(&row[2]),
                "{} has parent {}",
                &row[0],
                &row[2]
            );
            assert!(
                &row[2] == "C" || row[0].starts_with(&row[2]),
                "{} under {}",
                &row[0],
                &row[2]
            );
        }
        assert!(
            rows.iter()
                .any(|r| &r[0] == "3874" && r[3].contains("智能照明")),
            "2017 edition"
        );
        for division in records(DIVISIONS_EN_CSV) {
            assert!(codes.contains(&division[0]), "{}", &division[0]);
        }
    }
}
