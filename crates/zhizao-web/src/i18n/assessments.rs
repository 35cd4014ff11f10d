//! The words of the maturity self-assessment: the list, the questionnaire, the report.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    pub(crate) fn assessment_progress(&self, answered: u32, total: u32) -> String {
        match self.0 {
            Language::ZhCn => format!("已作答 {answered} / {total} 项"),
            Language::En => format!("{answered} of {total} answered"),
        }
    }

    pub(crate) fn assessment_standing(&self, rank: u32, of: u32, mean: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("第 {rank} 名，共 {of} 家（平均 {mean}）"),
            Language::En => format!("{rank} of {of} (mean {mean})"),
        }
    }

    pub(crate) fn assessment_gaps_title(&self, level: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("距离“{level}”的差距"),
            Language::En => format!("Gaps to {level}"),
        }
    }

    pub(crate) fn assessments_found(&self, count: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("共 {count} 份"),
            Language::En => format!("{count} assessments"),
        }
    }
}

messages! {
    ASSESSMENT_MESSAGES;
    nav_assessments: "成熟度自评估", "Maturity assessment";
    assessments_title: "智能制造能力成熟度自评估", "Smart manufacturing maturity self-assessment";
    assessments_hint: "参照 GB/T 39116-2020《智能制造能力成熟度模型》和 GB/T 39117-2020《评估方法》，按能力子域逐项自评。平台会根据已接入的设备、已验收的技改项目和共享工厂订单给出建议答案，确认或修改后提交，即可得到成熟度等级、各能力域得分和提升建议。", "After GB/T 39116-2020 (the model) and GB/T 39117-2020 (the method), answer requirement by requirement. The platform suggests answers from your connected devices, accepted upgrade projects and shared-factory orders; confirm or correct them and submit to get your maturity level, the scores of each capability domain and what to improve.";
    assessment_start: "开始自评估", "Start a self-assessment";
    assessment_kind_label: "行业类型", "Industry kind";
    assessment_choose_kind: "请选择离散型或流程型制造", "choose discrete or process manufacturing";
    assessment_draft: "填写中", "In progress";
    assessment_submitted: "已提交", "Submitted";
    assessment_enterprise: "企业", "Enterprise";
    assessment_status_label: "状态", "Status";
    assessment_level_label: "成熟度等级", "Maturity level";
    assessment_score_label: "成熟度得分", "Maturity score";
    assessment_date_label: "日期", "Date";
    assessment_none: "暂无自评估", "No assessments yet";
    assessment_continue: "继续填写", "Continue";
    assessment_view_report: "查看报告", "Report";
    assessment_no_level: "未达到一级", "Below level 1";
    assessment_save_next: "保存并继续", "Save and continue";
    assessment_save: "保存", "Save";
    assessment_submit: "提交自评估", "Submit the assessment";
    assessment_submit_confirm: "提交后不能再修改，确定提交吗？", "A submitted assessment cannot be changed. Submit now?";
    assessment_discard: "放弃此草稿", "Discard this draft";
    assessment_discard_confirm: "确定放弃这份未提交的自评估吗？", "Discard this unsubmitted assessment?";
    assessment_refresh: "按平台最新数据重新建议", "Suggest again from the latest records";
    assessment_suggests: "平台建议", "The platform suggests";
    assessment_unconfirmed: "待确认：保存即表示确认", "Not confirmed yet: saving confirms it";
    assessment_note_label: "说明（可选）", "Note (optional)";
    assessment_evidence_label: "证明材料链接（可选）", "Evidence link (optional)";
    assessment_outline: "能力子域", "Sub-domains";
    assessment_level_scores: "各等级得分", "Scores by level";
    assessment_reached: "已达到", "Reached";
    assessment_not_reached: "未达到", "Not reached";
    assessment_domains_title: "各能力域得分（0–5）", "Capability domains (0–5)";
    assessment_radar_label: "能力域雷达图", "Radar chart of the capability domains";
    assessment_radar_series: "能力域得分", "Domain score";
    assessment_no_gaps: "已达到最高等级", "The highest level is reached";
    assessment_gain_label: "满足后该级得分可提升", "Gain to the level if fully met";
    assessment_current_answer: "当前答案", "Current answer";
    assessment_unanswered: "未作答", "Not answered";
    assessment_requirement: "要求", "Requirement";
    assessment_same_industry: "同行业（国民经济行业大类）", "Same industry division";
    assessment_same_town: "同镇街", "Same town";
    assessment_standing_later: "提交后显示与同行业、同镇街已评估企业的对比", "Shown once submitted: the standing among assessed enterprises of the same industry and town";
    assessment_draft_hint: "草稿按已作答内容试算，未作答的要求按“不满足”计", "A draft is scored on the answers so far; unanswered requirements count as not met";
    assessment_weights_label: "权重来源", "Weights";
    assessment_print: "打印报告", "Print";
    assessment_back: "返回填写", "Back to the questionnaire";
    assessment_all: "全部自评估", "All assessments";
    assessment_evidence_title: "证明材料", "Evidence";
    assessment_no_evidence: "尚未上传证明材料", "No evidence uploaded yet";
    assessment_evidence_file_label: "选择文件或拍照", "Choose a file or take a photo";
    assessment_evidence_hint: "PDF、图片（PNG、JPEG）、Excel 或 Word，按文件内容判断，单个文件最大 20 MB，每项要求最多 10 个", "PDF, images (PNG, JPEG), Excel or Word, judged by content; at most 20 MB each and 10 per requirement";
    assessment_upload: "上传", "Upload";
    assessment_remove_evidence: "删除", "Remove";
    assessment_remove_evidence_confirm: "确定删除这个证明文件吗？", "Remove this evidence file?";
    assessment_attach_evidence: "证明材料", "Evidence";
}
