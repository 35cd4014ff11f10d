//! The words of the city's dashboard.

use zhizao_core::{Language, Text};

use super::Tr;

/// A dashboard year that is not a number, in both languages.
pub(crate) fn bad_year(year: &str) -> Text {
    Text::owned(
        format!("年份“{year}”不是数字"),
        format!("the year {year:?} is not a number"),
    )
}

impl Tr {
    /// "截至 2026-12-07 21:30".
    pub(crate) fn dashboard_as_of(&self, when: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("截至 {when}"),
            Language::En => format!("As of {when}"),
        }
    }

    /// The year a tile's bar stands for, with its value.
    pub(crate) fn dashboard_bar_title(&self, year: i32, value: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("{year} 年：{value}"),
            Language::En => format!("{year}: {value}"),
        }
    }
}

messages! {
    DASHBOARD_MESSAGES;
    nav_dashboard: "驾驶舱", "Dashboard";
    dashboard_title: "数据驾驶舱", "City dashboard";
    dashboard_hint: "每个数字都由所属模块从平台记录实时统计，点开“口径”可见统计范围；点击年份柱或镇街可下钻，点击“明细”查看背后的记录。", "Every figure is counted live from the platform's records by the module that owns them; open “Definition” for what is counted. Click a year's bar or a town to drill down, and “Records” for the records behind a figure.";
    dashboard_all_years: "全部年份", "All years";
    dashboard_whole_city: "全市", "Whole city";
    dashboard_apply: "查看", "Show";
    dashboard_export: "导出 Excel", "Export to Excel";
    dashboard_wall: "大屏模式", "Wall display";
    dashboard_leave_wall: "退出大屏", "Leave the wall display";
    dashboard_definition: "口径", "Definition";
    dashboard_records: "明细", "Records";
    dashboard_trend: "历年趋势", "By year";
    dashboard_no_trend: "记录无日期，不分年度", "Undated records: no trend";
    dashboard_map: "镇街分布", "By town";
    dashboard_map_figure: "着色指标", "Colour by";
    dashboard_map_hint: "按所选指标着色，颜色越深数值越大；点击镇街下钻到该镇街。", "Coloured by the chosen figure, darker for more; click a town to drill down to it.";
    dashboard_figure: "指标", "Figure";
    dashboard_value: "数值", "Value";
    dashboard_unit: "单位", "Unit";
    dashboard_module: "模块", "Module";
    dashboard_town: "镇街", "Town";
    dashboard_year: "年度", "Year";
    dashboard_refreshes: "每分钟自动刷新", "Refreshes every minute";
}
