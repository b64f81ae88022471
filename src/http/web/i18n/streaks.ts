/** Streaks on the member's page: the streak card and history's streak bonuses. */
export const en = {
  'me.streak': 'Streak',
  'me.streak_days': '{days} day(s) in a row',
  'me.streak_none': 'No streak right now',
  'me.streak_best': 'Best: {best} day(s)',
  'me.streak_today_done': 'Today counts already.',
  'me.streak_today_pending': 'Earn Sparks today to keep it going.',
  'me.streak_start': 'Earn Sparks on days in a row to start one.',
  'me.streak_freezes': '{count} of {max} streak freezes held: each covers a day you miss.',
  'me.streak_next': 'Next bonus: {sparks} Sparks at {days} days.',
  'me.entry.streak': '{days}-day streak bonus',
  'me.entry.streak_unknown': 'Streak bonus',
};

export const ko: Record<keyof typeof en, string> = {
  'me.streak': '연속 기록',
  'me.streak_days': '{days}일 연속',
  'me.streak_none': '현재 연속 기록 없음',
  'me.streak_best': '최고: {best}일',
  'me.streak_today_done': '오늘도 기록되었습니다.',
  'me.streak_today_pending': '오늘 Sparks를 모으면 이어집니다.',
  'me.streak_start': '여러 날 연속으로 Sparks를 모아 시작해 보세요.',
  'me.streak_freezes': '스트릭 프리즈 {count}/{max}개 보유: 놓친 하루를 하나씩 보호합니다.',
  'me.streak_next': '다음 보너스: {days}일에 {sparks} Sparks.',
  'me.entry.streak': '{days}일 연속 보너스',
  'me.entry.streak_unknown': '연속 기록 보너스',
};
