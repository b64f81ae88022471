export const en = {
  'award.done': '✨ {member} received **{amount} Sparks** from {moderator}: {reason}',
  'award.duplicate': 'That award was already recorded; nothing changed.',
  'award.remaining': 'You can award {remaining} more Sparks today.',
  'revoke.done': 'Revoked **{amount} Sparks** from {member}: {reason}. Their balance is now {balance}.',
} as const;

export const ko: Record<keyof typeof en, string> = {
  'award.done': '✨ {member}님이 {moderator}님으로부터 **{amount} Sparks**를 받았습니다: {reason}',
  'award.duplicate': '이미 기록된 지급입니다. 변경된 것은 없습니다.',
  'award.remaining': '오늘 {remaining} Sparks를 더 지급할 수 있습니다.',
  'revoke.done':
    '{member}님에게서 **{amount} Sparks**를 회수했습니다: {reason}. 현재 잔액은 {balance}입니다.',
};
