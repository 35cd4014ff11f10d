//! The shared factories' words: tariffs, set-ups and orders.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    pub(crate) fn pin_format(&self, line: &str) -> String {
        match self.0 {
            Language::ZhCn => format!(
                "“{line}”应写作 订单号 批次 工序 资源 日期 时间，如“FO000001 1 2 L1-R03 2026-12-08 09:00”"
            ),
            Language::En => format!(
                "write {line:?} as order lot step resource date time, e.g. “FO000001 1 2 L1-R03 2026-12-08 09:00”"
            ),
        }
    }

    pub(crate) fn outage_format(&self, line: &str) -> String {
        match self.0 {
            Language::ZhCn => format!(
                "“{line}”应写作 资源 开始日期 时间 结束日期 时间 原因，如“L1-R03 2026-12-08 09:00 2026-12-08 11:00 砂带断裂”"
            ),
            Language::En => format!(
                "write {line:?} as resource start-date time end-date time reason, e.g. “L1-R03 2026-12-08 09:00 2026-12-08 11:00 belt broken”"
            ),
        }
    }

    pub(crate) fn factory_totals_title(&self, year: i32) -> String {
        match self.0 {
            Language::ZhCn => format!("{year} 年经营概况"),
            Language::En => format!("{year} at a glance"),
        }
    }

    pub(crate) fn year_not_understood(&self, typed: &str) -> zhizao_core::Text {
        zhizao_core::Text::owned(
            format!("“{typed}”不是年份"),
            format!("“{typed}” is not a year"),
        )
    }

    pub(crate) fn choose_stop_reason(&self) -> zhizao_core::Text {
        zhizao_core::Text::new("请选择停机原因", "choose the reason for the stop")
    }

    pub(crate) fn stop_recorded(&self, resource: &str, code: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已记录 {resource} 的停机原因（{code}）"),
            Language::En => format!("Recorded the reason ({code}) for {resource}'s stop"),
        }
    }

    pub(crate) fn plan_made(&self, version: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已生成第 {version} 版计划（草稿），核对后发布"),
            Language::En => {
                format!("Plan version {version} is ready as a draft; review and publish it")
            }
        }
    }

    pub(crate) fn plan_published(&self, version: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已发布第 {version} 版计划，车间和客户交期按此执行"),
            Language::En => format!(
                "Plan version {version} is published; the floor and clients' dates follow it"
            ),
        }
    }

    pub(crate) fn plan_stale(&self, current: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("其他计划员已生成第 {current} 版计划，请刷新后再排"),
            Language::En => {
                format!("another planner made version {current} meanwhile; reload and plan again")
            }
        }
    }

    pub(crate) fn plan_publish_stale(&self, current: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("发布状态已变化（现为第 {current} 版），请刷新后再发布"),
            Language::En => format!(
                "the published version changed meanwhile (now {current}); reload and publish again"
            ),
        }
    }

    pub(crate) fn matrix_line_format(&self, line: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{line}”应写作 尺码 颜色 数量，如“M 藏青 300”"),
            Language::En => format!("write {line:?} as size colour quantity, e.g. “M navy 300”"),
        }
    }

    pub(crate) fn setup_saved(&self, version: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已保存第 {version} 版工厂设置，新的报价和排产按此计算"),
            Language::En => {
                format!("Version {version} of the set-up is saved; new quotes and plans follow it")
            }
        }
    }

    pub(crate) fn order_file_removed(&self, name: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已删除文件“{name}”"),
            Language::En => format!("Removed the file {name}"),
        }
    }

    pub(crate) fn cells_marked(&self, count: usize) -> String {
        match self.0 {
            Language::ZhCn => format!("表中标出了 {count} 处。"),
            Language::En => format!("{count} marked in the table."),
        }
    }

    pub(crate) fn setup_stale(&self, current: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("工厂设置已更新为第 {current} 版，请刷新后再改"),
            Language::En => {
                format!("version {current} was saved meanwhile; reload and edit again")
            }
        }
    }

    pub(crate) fn break_format(&self, part: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{part}”应写作 起订量=单价，如 1000=2.20"),
            Language::En => format!("write {part:?} as quantity=price, e.g. 1000=2.20"),
        }
    }

    pub(crate) fn not_pieces(&self, text: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("“{text}”不是件数"),
            Language::En => format!("{text:?} is not a number of pieces"),
        }
    }

    pub(crate) fn tariff_stale(&self, current: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("价目表已更新为第 {current} 版，请刷新后再改"),
            Language::En => {
                format!("version {current} was published meanwhile; reload and edit again")
            }
        }
    }

    pub(crate) fn piece_break(&self, from: i64, price: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("{from} 件起 {price} 元/件"),
            Language::En => format!("from {from}: {price} yuan a piece"),
        }
    }

    pub(crate) fn tariff_published(&self, version: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已发布第 {version} 版价目表，新的估价和报价按此计算"),
            Language::En => {
                format!("Version {version} is published; new prices and quotes follow it")
            }
        }
    }

    pub(crate) fn tariff_version(&self, version: impl std::borrow::Borrow<i64>) -> String {
        let version = *version.borrow();
        match self.0 {
            Language::ZhCn => format!("第 {version} 版"),
            Language::En => format!("version {version}"),
        }
    }

    pub(crate) fn resources_without_devices(&self) -> &'static str {
        match self.0 {
            Language::ZhCn => "以下资源未绑定设备，不计入设备效率：",
            Language::En => {
                "No device is bound to these resources; they are left out of the figures: "
            }
        }
    }

    pub(crate) fn unbound_platform_devices(&self) -> &'static str {
        match self.0 {
            Language::ZhCn => "以下设备已在本平台注册但未绑定任何资源，其上报不计入任何资源：",
            Language::En => {
                "Registered by the platform but bound to no resource; their reports count for none: "
            }
        }
    }

    pub(crate) fn unknown_bound_devices(&self) -> &'static str {
        match self.0 {
            Language::ZhCn => "设置中绑定的设备尚未在本平台注册：",
            Language::En => "Bound in the set-up but not registered by the platform: ",
        }
    }

    pub(crate) fn counter_resets(&self, count: u32) -> String {
        match self.0 {
            Language::ZhCn => {
                format!("期间设备计数器清零 {count} 次（重启），清零后从零计数，不重复计件")
            }
            Language::En => format!(
                "Device counters were reset {count} times (reboots); each counts from zero, nothing twice"
            ),
        }
    }

    pub(crate) fn unknown_states(&self, count: u32) -> String {
        match self.0 {
            Language::ZhCn => format!(
                "{count} 条状态上报不在 running、setup、idle、fault、off 之列，其时间计为无数据"
            ),
            Language::En => format!(
                "{count} state reports were not running, setup, idle, fault or off; their time is unrecorded"
            ),
        }
    }

    pub(crate) fn machine_silent_since(&self, at: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("设备无上报（最后 {at}）"),
            Language::En => format!("Silent (last heard {at})"),
        }
    }

    pub(crate) fn unassigned_pieces(&self, good: i64, scrap: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("未归属工序的计数：合格 {good}、废品 {scrap}（已保留）"),
            Language::En => format!("Counted with no operation: {good} good, {scrap} scrap (kept)"),
        }
    }

    pub(crate) fn floor_plan(&self, version: i64, at: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("按第 {version} 版计划执行（{at} 发布）"),
            Language::En => format!("Working to plan version {version} (published {at})"),
        }
    }

    pub(crate) fn operation_recorded(
        &self,
        action: &str,
        order: &str,
        lot: usize,
        step: usize,
    ) -> String {
        match self.0 {
            Language::ZhCn => format!("已记录{action}：{order} 第 {lot} 批 第 {step} 道工序"),
            Language::En => format!("Recorded {action}: {order} lot {lot} step {step}"),
        }
    }

    pub(crate) fn operations_done(&self, count: impl std::borrow::Borrow<usize>) -> String {
        let count = *count.borrow();
        match self.0 {
            Language::ZhCn => format!("本版计划已完工 {count} 道工序"),
            Language::En => format!("{count} operations of this plan done"),
        }
    }
}

messages! {
    FACTORY_MESSAGES;
    factories_hint: "共享裁床中心、机器人打磨抛光中心等共享工厂公布的价目表；可按品类、数量和机时估算加工费用。", "The tariffs shared factories publish (the cutting centre, the robot polishing centre); price an order by family, quantity and machine time.";
    own_factory_tariff: "本平台价目表", "Our tariff";
    no_factories_yet: "还没有共享工厂发布价目表", "No shared factory has published a tariff yet";
    tariff_title: "价目表", "Tariff";
    no_tariff_yet: "尚未发布价目表", "No tariff published yet";
    current_version: "现行版本", "Current version";
    setup_fee_label: "换型费（元/次）", "Set-up fee (yuan each)";
    minimum_charge_label: "最低收费（元/单）", "Minimum charge (yuan an order)";
    hourly_rates: "机时价格（元/小时）", "Machine-hour prices (yuan an hour)";
    hourly_rates_hint: "不提供的资源留空", "Leave empty what you do not offer";
    piece_prices: "计件价格", "Piece prices";
    family_label: "品类（零件族或面料）", "Family (part family or fabric)";
    breaks_label: "数量档（起订量=单价）", "Quantity breaks (from=price)";
    breaks_hint: "如 1=2.50; 1000=2.20：1 件起每件 2.50 元，1000 件起每件 2.20 元，整单按所达档位计价", "e.g. 1=2.50; 1000=2.20: 2.50 yuan a piece from 1, 2.20 from 1,000; the whole order is priced at the break it reaches";
    quote_title: "估价", "Price an order";
    quote_hint: "按现行价目表计算，计算过程逐行列出；正式报价以工厂确认为准。", "Computed under the current tariff, line by line; the factory confirms the final quote.";
    setups_label: "换型次数", "Set-ups";
    machine_minutes_label: "机时（分钟）", "Machine time (minutes)";
    total_label: "合计（元）", "Total (yuan)";
    calculate: "计算", "Calculate";
    versions_title: "历史版本", "Versions";
    publish_tariff: "发布新版价目表", "Publish a new version";
    tariff_note: "修订说明", "What changed";
    published_by: "发布人", "Published by";
    factory_orders_nav: "加工订单", "Orders";
    place_order: "下单", "Place an order";
    place_order_hint: "填写加工需求，系统按现行价目表计价，并把订单排入工厂的生产计划，给出可承诺的交期；报价 24 小时内有效。", "Describe the work: it is priced under the current tariff and planned into the factory's schedule for a date it can promise; the quote holds for 24 hours.";
    process_label: "加工类型", "Process";
    material_label: "材质", "Material";
    finish_label: "表面要求", "Finish";
    part_mm_label: "零件最大尺寸（mm）", "Largest part dimension (mm)";
    weight_g_label: "单件重量（g）", "Part weight (g)";
    width_mm_label: "布幅（mm）", "Fabric width (mm)";
    ply_mm_label: "铺布高度（mm）", "Lay height (mm)";
    matrix_label: "尺码 × 颜色 数量", "Size × colour quantities";
    matrix_hint: "每行一格：尺码 颜色 数量，如“M 藏青 300”", "One cell a line: size colour quantity, e.g. “M navy 300”";
    shade_lots_label: "缸号（逗号分隔）", "Shade lots (comma-separated)";
    material_supplied_label: "来料说明", "Material supplied";
    material_arrives_label: "来料到厂日期", "Material arrives";
    need_by_label: "需求交期", "Needed by";
    order_note_label: "备注", "Note";
    submit_order: "提交并获取报价", "Submit for a quote";
    factory_offers_nothing: "该工厂尚未发布工艺设置和价目表，暂不能在线下单。", "This factory has not published its set-up and tariff yet; it takes no orders online.";
    order_number: "订单号", "Order";
    factory_label: "工厂", "Factory";
    client_label: "委托企业", "Client";
    promised_label: "承诺交期", "Promised";
    valid_until_label: "报价有效至", "Quote valid until";
    status_label: "状态", "Status";
    no_orders_yet: "还没有订单", "No orders yet";
    quote_lines_title: "报价明细", "The quote";
    promise_hint: "交期由工厂的有限产能计划算出：本单与已确认订单一起排产，已确认订单的承诺交期优先。", "The date comes from the factory's finite-capacity plan: this order is planned with the confirmed ones, whose promises come first.";
    later_than_needed: "承诺交期晚于需求交期", "Later than needed";
    quote_expired: "报价已过期，请重新报价", "The quote has expired; ask for a new one";
    accept_quote: "接受报价", "Accept the quote";
    requote: "重新报价", "Quote again";
    cancel_order: "取消订单", "Cancel the order";
    cancel_reason_label: "取消原因", "Reason";
    order_placed: "订单已提交，以下是报价和承诺交期。", "The order is placed; here are its quote and promised date.";
    order_accepted: "已接受报价，订单已确认。", "Quote accepted: the order is confirmed.";
    order_requoted: "已重新报价。", "Quoted again.";
    order_cancelled: "订单已取消。", "The order is cancelled.";
    all_statuses: "全部状态", "All statuses";
    request_title: "加工需求", "What was asked";
    planned_with_label: "同时排产的已确认订单", "Confirmed orders planned with it";
    factory_setup: "工厂设置", "Factory set-up";
    setup_hint: "场地、资源（产线、机器人、工作站及其绑定设备和加工能力）、工作日历、工艺路线和换型时间。报价和排产按现行版本计算。", "Sites, resources (lines, robots, stations, their devices and capabilities), the calendar, routings and change-overs; quotes and plans follow the current version.";
    no_setup_yet: "尚未保存工厂设置", "No set-up saved yet";
    sites_title: "场地", "Sites";
    resources_title: "资源", "Resources";
    resource_class: "资源类别", "Class";
    line_label: "产线", "Line";
    devices_label: "绑定设备", "Devices";
    capability_label: "加工能力", "Capability";
    calendar_title: "工作日历", "Calendar";
    workdays_label: "工作日", "Workdays";
    shifts_label: "班次", "Shifts";
    breaks_time_label: "休息", "Breaks";
    holidays_label: "节假日", "Holidays";
    maintenance_label: "计划维护", "Planned maintenance";
    routings_title: "工艺路线", "Routings";
    lot_size_label: "批量（件/批）", "Lot size (pieces)";
    changeovers_title: "换型时间（分钟）", "Change-overs (minutes)";
    edit_setup: "保存新版本", "Save a new version";
    edit_section_title: "编辑设置", "Edit the set-up";
    remove_file: "删除", "Remove";
    order_file_label: "附件（可选）", "A file (optional)";
    order_file_hint: "可随订单附上一个图纸、照片或纸样文件（PDF、图片、DXF、Excel、Word，不超过 20 MB）；更多文件可在订单页添加。", "One drawing, photo or pattern file may go with the order (PDF, image, DXF, Excel or Word, at most 20 MB); add more on the order's page.";
    remove_file_confirm: "确定删除这个文件？", "Remove this file?";
    edit_sections_label: "分项编辑", "Edit by section";
    setup_section_hint: "修改本项后发布为设置的新版本；其他各项保持不变。报价和排产按新版本计算。", "Publishing this section makes the set-up's next version, the other sections unchanged; quotes and plans follow it.";
    setup_rows_hint: "清空一行即删除它；在末尾的空行中添加。列表用逗号分隔。", "Clear a row to remove it; add in the blank rows at the end. Lists are separated by commas.";
    setup_json_label: "设置（JSON）", "Set-up (JSON)";
    setup_json_hint: "格式见接口文档中“保存工厂设置”的说明；每个问题都会指出它在设置中的位置。", "The format is SaveSetup in the API documents (/api/docs); each problem is named by its path, e.g. resources[3].site.";
    site_label: "场地", "Site";
    choose_process: "请选择加工类型", "choose a process";
    plan_title: "生产计划", "Production plan";
    plan_hint: "按有限产能排产：已确认订单按承诺交期排在产线和机器人上（含换型、班次、节假日和维护），已开工的工序保持不动；每次排产生成一个草稿版本，发布后车间和客户交期以此为准。", "Finite-capacity planning: the confirmed orders are planned on the lines and robots against their promised dates (change-overs, shifts, holidays and maintenance included); what has started stays where it is. Each run is a draft version; the published one is what the floor and the clients' dates follow.";
    pins_label: "固定工序（每行一个）", "Pins (one a line)";
    pins_hint: "订单号 批次 工序 资源 开始时间，如“FO000001 1 2 L1-R03 2026-12-08 09:00”：该工序固定在此资源此时开始，其余工序围绕它重排。", "order lot step resource start, e.g. “FO000001 1 2 L1-R03 2026-12-08 09:00”: the operation starts on that resource at that time and the rest is planned around it.";
    make_plan: "重新排产", "Plan now";
    no_plans_yet: "尚未排产", "No plan yet";
    operations_label: "工序数", "Operations";
    late_orders_label: "延期订单", "Late orders";
    tardiness_hours_label: "延期合计（小时）", "Lateness (hours)";
    utilisation_label: "利用率（%）", "Utilisation (%)";
    machine_utilisation_label: "设备利用率（%）", "Machine utilisation (%)";
    machine_figures_hint: "设备利用率 =（生产时间 + 换型时间）÷ 计划忙碌时间，OEE 按 ISO 22400-2 计算，均由设备上报的状态和计数实时计算（按现行设置的资源）；设备尚未上报的月份显示“—”。", "Machine utilisation is (production time + set-up time) ÷ planned busy time and OEE follows ISO 22400-2, both computed from the states and counts the devices reported (over the current set-up's resources); a month before the machines reported anything shows —.";
    moved_label: "较上版变动", "Moved";
    draft_hint: "草稿，尚未发布", "a draft, not yet published";
    gantt_label: "按资源的甘特图", "Gantt chart by resource";
    order_outcomes: "各订单完工与承诺交期", "Orders against their promises";
    planned_end_label: "计划完工", "Planned end";
    late_hours_label: "延期（小时）", "Late (hours)";
    operations_by_resource: "按资源列出的工序", "Operations by resource";
    lot_label: "批次", "Lot";
    step_label: "工序", "Step";
    changeover_label: "换型", "Change-over";
    fixed_label: "已固定", "Fixed";
    now_label: "当前", "Now";
    published_eta_label: "按已发布计划预计完工", "Expected by the published plan";
    delivery_note_title: "交货单", "Delivery note";
    good_label: "合格数量", "Good pieces";
    scrap_label: "报废数量", "Scrap pieces";
    material_returned_label: "来料退还", "Material returned";
    delivered_at_label: "交付时间", "Delivered";
    delivered_late: "晚于承诺交期", "After the promised date";
    final_amount_label: "结算金额（元）", "Amount due (yuan)";
    rating_label: "服务评分", "Rating";
    rating_comment_label: "评价", "Comment";
    record_delivery: "登记交付", "Record the delivery";
    confirm_receipt: "确认收货并评价", "Confirm receipt and rate";
    order_delivered: "已登记交付，结算金额按实际合格数量计算。", "The delivery is recorded; the amount due follows the good pieces.";
    order_received: "已确认收货，感谢评价。", "Receipt confirmed; thank you for rating.";
    setup_json_invalid: "设置不是有效的 JSON", "the set-up is not valid JSON";
    oee_title: "设备综合效率（OEE）", "Overall equipment effectiveness (OEE)";
    oee_hint: "按 ISO 22400-2 由设备自身上报的状态和计数计算：可用率 = 实际生产时间 / 计划忙碌时间（班次减去休息和计划维护），性能 = 单件计划加工时间 × 产量 / 实际生产时间，合格率 = 合格数 / 产量，OEE 为三者之积。设备无上报的时间单列为“无数据”。", "After ISO 22400-2, from the states and counts the machines report: availability = actual production time / planned busy time (shifts less breaks and planned maintenance), effectiveness = planned run time per item × produced / actual production time, quality rate = good / produced; OEE is their product. Time no device reported is shown as unrecorded.";
    oee_nav: "设备效率", "OEE";
    first_day_label: "开始日期", "From";
    last_day_label: "结束日期", "To";
    grouping_label: "汇总", "By";
    period_label: "周期", "Every";
    show_figures: "统计", "Show";
    whole_platform: "全平台", "Whole platform";
    oee_label: "OEE（%）", "OEE (%)";
    availability_label: "可用率（%）", "Availability (%)";
    effectiveness_label: "性能（%）", "Effectiveness (%)";
    quality_rate_label: "合格率（%）", "Quality rate (%)";
    busy_hours_label: "计划忙碌（小时）", "Planned busy (h)";
    production_hours_label: "实际生产（小时）", "Production (h)";
    setup_hours_label: "换型（小时）", "Set-up (h)";
    down_hours_label: "停机（小时）", "Down (h)";
    delay_hours_label: "等待（小时）", "Delay (h)";
    unrecorded_hours_label: "无数据（小时）", "Unrecorded (h)";
    produced_label: "产量", "Produced";
    oee_by_group: "各汇总对象", "By group";
    oee_by_period: "按周期明细", "By period";
    oee_trend_label: "OEE 及三要素按周期的趋势", "OEE and its factors by period";
    losses_title: "损失原因（帕累托）", "Losses (Pareto)";
    loss_reason_label: "原因", "Reason";
    loss_party_label: "归属", "Whose";
    loss_hours_label: "损失（小时）", "Lost (hours)";
    loss_share_label: "占比（%）", "Share (%)";
    cumulative_share_label: "累计占比（%）", "Cumulative (%)";
    no_losses: "所选期间没有损失记录", "No losses in the period";
    setup_in_use: "采用设置", "Set-up";
    floor_title: "车间看板", "Shop floor";
    stop_reason_label: "停机原因", "Why it stands";
    record_stop_reason: "记录", "Record";
    factory_figures_title: "经营数据", "Figures";
    factory_figures_hint: "按月统计本平台的订单：下单、确认、取消、交付及准时交付率、服务企业数、交付合格件数、结算收入和客户评分，均由订单记录实时计算。", "This platform's orders by month: placed, confirmed, cancelled, delivered and on time, enterprises served, good pieces delivered, revenue and the clients' ratings, each computed from the order records.";
    orders_placed_label: "下单", "Placed";
    orders_confirmed_label: "确认", "Confirmed";
    orders_cancelled_label: "取消", "Cancelled";
    deliveries_label: "交付", "Delivered";
    on_time_label: "准时率（%）", "On time (%)";
    clients_served_label: "服务企业", "Clients served";
    pieces_delivered_label: "交付合格件数", "Good pieces";
    revenue_label: "收入（元）", "Revenue (yuan)";
    mean_rating_label: "平均评分", "Mean rating";
    outages_label: "停机（每行一项）", "Outages (one a line)";
    outages_hint: "资源 开始 结束 原因，如“L1-R03 2026-12-08 09:00 2026-12-08 11:00 砂带断裂”：该资源在此期间不排工序，已开工的工序保持不动。", "resource start end reason, e.g. “L1-R03 2026-12-08 09:00 2026-12-08 11:00 belt broken”: nothing is planned on it meanwhile; started operations stay where they are.";
    replan_for_fault: "故障重排", "Re-plan around the fault";
    replan_hint: "按预计修复 2 小时生成不含此资源的计划草稿，审核后发布。", "Makes a draft plan without this resource for the expected two hours of repair; review it, then publish.";
    progress_title: "生产进度", "Progress";
    progress_hint: "合格数来自设备计数，按已发布计划逐工序统计。", "Good pieces as the machines counted them, step by step under the published plan.";
    floor_hint: "每个资源一张卡片：设备最新上报的状态、正在加工的工序（计数来自设备）和下一道工序。开工后设备计数归入该工序，完工后不再计入；未开工时计数按计划顺序自动归入。", "A card per resource: what its machine last reported, the operation running on it (pieces counted by the machine) and the next one. Once started, the machine's counts go to that operation until it is finished; otherwise counts fill the plan's operations in order.";
    floor_nav: "车间看板", "Shop floor";
    refresh: "刷新", "Refresh";
    no_published_plan: "尚未发布生产计划：发布后这里按计划显示各资源的工序。", "No plan is published yet: once one is, each resource's operations show here.";
    running_now: "加工中", "Running";
    next_up: "下一道", "Next";
    start_operation: "开工", "Start";
    finish_operation: "完工", "Finish";
    planned_start_label: "计划开工", "Planned start";
    no_operations_here: "本版计划在此资源上没有待加工工序", "No operation of this plan waits here";
    machine_never_reported: "设备尚无上报", "The machine has not reported yet";
    machine_state_unknown: "设备上报了未知状态", "The machine reported an unknown state";
    material_title: "来料", "Client's material";
    material_unit_label: "单位", "Unit";
    material_lots_label: "批次 / 卷号", "Lots / rolls";
    material_received_label: "收到时间", "Received";
    record_material: "登记来料", "Record material received";
    material_recorded: "已登记来料，排产可从现在开始安排此订单。", "The material is recorded; the plan may start this order's work from now.";
    material_late_badge: "来料晚于约定", "Material later than agreed";
    material_late_hint: "来料晚于客户约定的日期：由此造成的延期计入客户原因，不计入工厂准时率。", "The material came later than the client said: lateness from it counts as the client's, not against the factory's on-time rate.";
    no_material_yet: "尚未登记来料", "No material recorded yet";
    deliver_needs_material: "收到客户来料并登记后才能交付。", "Record the client's material received before delivering.";
    returned_quantity_label: "退还来料数量", "Material returned (quantity)";
    reconciliation_title: "来料核对", "Material reconciliation";
    received_total_label: "收到合计", "Received";
    consumed_label: "耗用", "Consumed";
    unaccounted_label: "未交代件数", "Pieces unaccounted for";
    fair_on_time_label: "准时率（扣除客户原因，%）", "On time, plant's share (%)";
    fair_on_time_hint: "客户来料晚于约定造成的延期不计入工厂的准时率；各客户的交付、准时和来料延误见下表。", "Lateness caused by the client's material coming later than agreed does not count against the factory; each client's deliveries, punctuality and late material are listed below.";
    clients_figures_title: "各客户服务情况", "Service per client";
    late_client_label: "因来料延误", "Late for its material";
    material_awaited_badge: "待来料", "Material awaited";
    material_awaited_hint: "客户来料尚未登记，计划最早于此时开工：", "The client's material is not recorded yet; the plan starts it no earlier than";
    cumulative_label: "累计（自首单起）", "To date (since the first order)";
    all_factories: "全部共享工厂", "All shared factories";
    clients_to_date_label: "累计服务企业", "Enterprises served to date";
    pieces_to_date_label: "累计加工件数", "Pieces to date";
    revenue_to_date_label: "累计收入（元）", "Revenue to date (yuan)";
    factory_totals_hint: "由各工厂的订单记录实时汇总；累计自各工厂首单起。合计行的服务企业数按工厂分别计数。", "Summed live from each factory's orders; to date counts from each factory's first order. The total row counts enterprises per factory.";
    pin_added: "已加入固定（点“重新排产”生效）：", "Pinned (takes effect with “Plan now”):";
    drag_to_pin_hint: "拖动甘特图中的工序条到其他资源或时间，即在上方加入一条固定；按住 Shift 拖动可平移图表。", "Drag a bar to another resource or time to add a pin above; hold Shift and drag to pan the chart.";
    order_files_title: "附件", "Files";
    no_order_files: "尚无附件", "No files yet";
    file_purpose_label: "用途", "Purpose";
    file_label: "文件", "File";
    add_file: "上传附件", "Add the file";
    order_files_hint: "图纸、照片、纸样（服装 CAD 导出的 DXF）和报告；PDF、PNG、JPEG、DXF、Excel、Word，单个不超过 20 MB，按文件内容判断类型。", "Drawings, photos, pattern pieces (DXF from garment CAD) and reports; PDF, PNG, JPEG, DXF, Excel or Word, at most 20 MB each, judged by the content.";
    choose_material_unit: "请选择来料单位", "choose the unit of the material";
}
