//! The words of the open data pages.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    /// What the publication rule withholds.
    pub(crate) fn open_data_suppression(&self, minimum: &i64) -> String {
        match self.0 {
            Language::ZhCn => format!(
                "统计自少于 {minimum} 家企业的单元格不公布（留空），同一年份中若仅有一个镇街被隐去，另隐去一个最小的镇街，以免相减推算。"
            ),
            Language::En => format!(
                "A cell counted from fewer than {minimum} enterprises is withheld (left empty); where a year would withhold one town alone, the next smallest is withheld too, so none can be derived by subtraction."
            ),
        }
    }

    /// The tooltip of a withheld cell.
    pub(crate) fn open_data_suppressed_title(&self, minimum: &i64) -> String {
        match self.0 {
            Language::ZhCn => format!("不公布：少于 {minimum} 家企业，或为防推算而隐去"),
            Language::En => {
                format!("Withheld: fewer than {minimum} enterprises, or to prevent derivation")
            }
        }
    }
}

messages! {
    OPEN_DATA_MESSAGES;
    open_data_title: "开放数据", "Open data";
    open_data_hint: "平台各模块从记录实时统计的指标，按全市、镇街和年度公开，供其他系统通过接口调用。只公开汇总数，不含任何个人或单个企业的数据。", "The figures the platform's modules count from their records, published for the whole city, each town and each year for other systems to call. Aggregates only: nothing of a person or of one enterprise.";
    open_data_howto: "调用方式", "How to call";
    open_data_howto_key: "向市数据管理部门申请密钥，在以下请求头中携带（已登录用户可直接在浏览器中查看）：", "Ask the city's data office for a key and send it in this header (signed-in users can view the data in the browser):";
    open_data_howto_formats: "每个数据集返回 JSON（默认）或 CSV（UTF-8，Excel 可直接打开）；用以下参数指定格式和年份范围，最多近 30 年：", "Each dataset answers JSON (the default) or CSV (UTF-8, opens in Excel); choose the format and the years, at most the last 30, with:";
    open_data_howto_limit: "每个密钥有每分钟调用上限；超出时返回 429，并在以下响应头中给出需等待的秒数和剩余次数：", "Each key has a limit a minute; past it the answer is 429, and these headers give the seconds to wait and the requests left:";
    open_data_dataset: "数据集", "Dataset";
    open_data_unit: "计量", "Measure";
    open_data_unit_count: "个数", "count";
    open_data_unit_fen: "金额（分）", "money (fen)";
    open_data_by: "维度", "Broken down by";
    open_data_by_year_town: "年度 × 镇街", "Year × town";
    open_data_by_town: "镇街（当前）", "Town (as of now)";
    open_data_key: "标识", "Key";
    open_data_as_now: "当前", "Now";
    open_data_keys_title: "开放数据密钥", "Open data keys";
    open_data_keys_hint: "为其他系统签发调用开放数据接口的密钥。密钥只在签发时显示一次；吊销后立即失效。", "Keys for other systems to call the open data API. A key is shown once, when issued; a revoked key stops working at once.";
    open_data_key_issued: "密钥已签发，请复制并交给使用单位，此后不再显示：", "Key issued. Copy it for its holder now; it is not shown again:";
    open_data_holder: "使用单位", "Holder";
    open_data_prefix: "密钥前缀", "Prefix";
    open_data_contact: "联系人", "Contact";
    open_data_purpose: "用途", "Purpose";
    open_data_per_minute: "每分钟上限", "Per minute";
    open_data_per_minute_number: "每分钟上限须为整数", "The limit a minute must be a whole number";
    open_data_issue: "签发密钥", "Issue key";
    open_data_today: "今日调用", "Today";
    open_data_answered: "累计调用", "Answered";
    open_data_refused: "超限拒绝", "Refused";
    open_data_no_keys: "尚未签发密钥", "No key issued yet";
}
