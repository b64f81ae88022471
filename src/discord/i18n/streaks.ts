/** Streaks: how `/sparks balance` and the profile card show a member's streak, and history's streak bonuses. */
export const en = {
  'streak.field': 'Streak',
  'streak.value': '🔥 {days} day(s) in a row · best {best}',
  'streak.value_none': 'No streak right now · best {best}',
  'streak.value_never': 'No streak yet: earn Sparks on days in a row to start one.',
  'streak.today_pending': 'Earn Sparks today to keep it going.',
  'streak.today_done': 'Today counts already.',
  'streak.freezes': '❄️ {count} of {max} streak freezes held: each covers a day you miss.',
  'streak.next_milestone': 'Next bonus: {sparks} Sparks at {days} days.',
  'streak.card': 'Streak {days} · best {best}',
  'history.source.streak': '{days}-day streak bonus',
  'history.source.streak_unknown': 'Streak bonus',
};

export const ko: Record<keyof typeof en, string> = {
  'streak.field': '연속 기록',
  'streak.value': '🔥 {days}일 연속 · 최고 {best}일',
  'streak.value_none': '현재 연속 기록 없음 · 최고 {best}일',
  'streak.value_never': '아직 연속 기록이 없습니다: 여러 날 연속으로 Sparks를 모아 시작해 보세요.',
  'streak.today_pending': '오늘 Sparks를 모으면 이어집니다.',
  'streak.today_done': '오늘도 기록되었습니다.',
  'streak.freezes': '❄️ 스트릭 프리즈 {count}/{max}개 보유: 놓친 하루를 하나씩 보호합니다.',
  'streak.next_milestone': '다음 보너스: {days}일에 {sparks} Sparks.',
  'streak.card': '연속 {days}일 · 최고 {best}일',
  'history.source.streak': '{days}일 연속 보너스',
  'history.source.streak_unknown': '연속 기록 보너스',
};
