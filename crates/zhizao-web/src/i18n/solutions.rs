//! The words of the solution library and its adoptions.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    /// A typical investment from `from` to `to` fen: 万元 in Chinese, whole yuan in English.
    pub(crate) fn solution_investment(&self, from: i64, to: i64) -> String {
        let wan = |fen: i64| {
            let tenths = (fen + 50_000) / 100_000;
            if tenths % 10 == 0 {
                format!("{}", tenths / 10)
            } else {
                format!("{}.{}", tenths / 10, tenths % 10)
            }
        };
        let yuan = |fen: i64| {
            let text = zhizao_core::Fen::new(fen).to_yuan_string();
            text.trim_end_matches(".00").to_owned()
        };
        match self.0 {
            Language::ZhCn => format!("投资 {}–{} 万元", wan(from), wan(to)),
            Language::En => format!("investment {}–{} yuan", yuan(from), yuan(to)),
        }
    }

    pub(crate) fn adoption_count(&self, total: &i64) -> String {
        match self.0 {
            Language::ZhCn => format!("共 {total} 条"),
            Language::En => format!("{total} in all"),
        }
    }

    pub(crate) fn solution_payback(&self, months: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("约 {months} 个月回收"),
            Language::En => format!("pays back in about {months} months"),
        }
    }
}

messages! {
    SOLUTION_MESSAGES;
    nav_solutions: "解决方案库", "Solution library";
    solutions_title: "智能制造解决方案库", "Smart manufacturing solution library";
    solutions_hint: "服务商发布的一体化解决方案，标明可提升的能力子域和等级；企业完成成熟度自评估后，报告页按差距和行业推荐方案并说明理由。", "Integrated solutions from providers, each naming the sub-domains and levels it raises; after a maturity self-assessment, the report ranks them by the enterprise's gaps and industry, with the reasons.";
    solution_new: "发布新方案", "New solution";
    solution_search: "关键词", "Words";
    solution_raises: "提升的能力子域", "Sub-domains raised";
    solution_any_subdomain: "全部子域", "Any sub-domain";
    solution_filter: "筛选", "Filter";
    solution_none: "暂无方案", "No solutions yet";
    solution_figure_library: "方案库（套）", "Solutions in the library";
    solution_figure_provided: "向企业提供方案（套）", "Solutions provided";
    solution_figure_served: "服务企业（家）", "Enterprises served";
    solution_figure_accepted: "认可方案的企业（家）", "Enterprises accepting";
    solution_figure_implemented: "采纳并实施（套）", "Adopted and implemented";
    solution_figure_enterprises_implemented: "完成改造的企业（家）", "Enterprises upgraded";
    solution_figure_verified: "经验证见效（套）", "Verified";
    solution_figures_by_provider: "各服务平台", "By provider";
    solution_figure_provider: "服务平台", "Provider";
    solution_figures_definition: "按记录实时统计：向企业提供方案＝服务商向企业提出的方案（不论结果）及企业申请后服务商同意的方案，每家企业每套方案计一次；认可＝已接受、已实施或已验证；采纳并实施＝已实施或已验证。", "Counted live from the records: a solution is provided when its provider proposes it to an enterprise (whatever became of it) or agrees to an enterprise's request, once per solution and enterprise; accepting = accepted, implemented or verified; adopted and implemented = implemented or verified.";
    adoption_all: "查看全部采用记录", "All adoptions of this solution";
    adoption_any_status: "全部状态", "Any status";
    adoption_or_measured: "或由平台用本企业设备的数据计算：接受方案前与实施后各若干天的平均值或合计", "or let the platform measure it from one of your devices: the mean or total over as many days before acceptance and after implementation";
    adoption_device: "设备名称", "Device";
    adoption_field: "数据字段", "Field";
    adoption_aggregate: "计算方式", "Aggregate";
    adoption_mean: "平均", "Mean";
    adoption_sum: "合计", "Total";
    adoption_days: "对比天数", "Days";
    solution_industry_filter: "适用行业", "Made for";
    solution_any_industry: "各行业", "Any industry";
    solution_title_label: "方案名称", "Title";
    solution_summary_label: "方案内容", "What it does and includes";
    solution_industries_label: "适用行业（国民经济行业大类代码，留空为各行业）", "Industries (GB/T 4754 division codes; empty: any)";
    solution_investment_min: "典型投资下限（元）", "Typical investment from (yuan)";
    solution_investment_max: "典型投资上限（元）", "Typical investment up to (yuan)";
    solution_investment_label: "典型投资", "Typical investment";
    solution_payback_label: "投资回收期（月）", "Payback (months)";
    solution_references_label: "应用案例", "References";
    solution_save_draft: "保存草稿", "Save as draft";
    solution_amount_invalid: "请填写金额（元），如 50000 或 12.5", "enter an amount in yuan, e.g. 50000 or 12.5";
    solution_publish: "发布到方案库", "Publish";
    solution_withdraw: "撤回", "Withdraw";
    solution_withdraw_confirm: "撤回后企业不再能看到此方案，确定撤回吗？", "Enterprises will no longer see this solution. Withdraw it?";
    solution_client_code: "服务企业的统一社会信用代码", "Client's credit code";
    solution_propose: "向企业推荐", "Propose";
    solution_ask: "申请采用此方案", "Ask for this solution";
    solution_no_such_client: "没有这家服务企业（只能向本平台服务过的企业推荐）", "No such client (a provider proposes to enterprises it serves)";
    solution_recommended: "推荐解决方案", "Recommended solutions";
    solution_no_match: "方案库中暂无针对这些差距的方案", "The library has no solution for these gaps yet";
    adoptions_title: "方案采用", "Adoptions";
    adoption_none: "暂无方案采用记录", "No adoptions yet";
    adoption_solution: "方案", "Solution";
    adoption_proposed_on: "提出日期", "Proposed";
    adoption_note: "说明（可选）", "Note (optional)";
    adoption_accept: "接受", "Accept";
    adoption_decline: "谢绝", "Decline";
    adoption_implemented: "已实施", "Implemented";
    adoption_verify: "验证成效", "Verify";
    adoption_verified_by: "验证依据", "Verified by";
    adoption_project_label: "已验收的技改项目编号", "A completed upgrade project's number";
    adoption_or_figures: "或填写实施前后对比数据：", "or before-and-after figures:";
    adoption_metric: "指标", "Metric";
    adoption_unit: "单位", "Unit";
    adoption_before: "实施前", "Before";
    adoption_after: "实施后", "After";
    adoption_source: "数据来源（如设备数据查询、统计期间）", "Source (the telemetry query, the period)";
    adoption_cite_something: "请填写已验收的项目编号，或实施前后两个数值", "cite a completed project's number, or two numbers before and after";
}
