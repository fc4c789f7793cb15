/**
 * `alarm list` and `alarm disarm`: Maintenance.Alarm. disarm does what clientv3's AlarmDisarm does
 * with no member and no type: it lists the alarms, deactivates each one, and prints those cleared.
 */
import { withConnection, type EtcdConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS } from './exit.js';
import type { AlarmMember, AlarmResponse } from './messages.js';
import { outputFormat, printAlarm } from './printers.js';

/** AlarmRequest.AlarmAction's numbers. */
const ALARM_GET = 0;
const ALARM_DEACTIVATE = 2;
/** AlarmType NONE: every type, in a GET. */
const ALARM_TYPE_ALL = 0;

function alarmCall(connection: EtcdConnection, action: number, alarm: AlarmMember): Promise<AlarmResponse> {
  return connection.call<AlarmResponse>('Maintenance', 'Alarm', { action, memberID: alarm.memberID, alarm: alarm.alarm });
}

export const alarmListCommand: CommandSpec = {
  path: ['alarm', 'list'],
  usage: 'alarm list',
  summary: 'Lists all alarms',
  flags: [],
  async run({ args, global, out }) {
    if (args.args.length !== 0) throw new CtlError(EXIT_BAD_ARGS, 'alarm list command accepts no arguments');
    const format = outputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      alarmCall(connection, ALARM_GET, { memberID: '0', alarm: ALARM_TYPE_ALL }));
    printAlarm(out, format, response);
  },
};

export const alarmDisarmCommand: CommandSpec = {
  path: ['alarm', 'disarm'],
  usage: 'alarm disarm',
  summary: 'Disarms all alarms',
  flags: [],
  async run({ args, global, out }) {
    if (args.args.length !== 0) throw new CtlError(EXIT_BAD_ARGS, 'alarm disarm command accepts no arguments');
    const format = outputFormat(global.writeOut);
    const cleared = await withConnection(global, async (connection) => {
      const { alarms } = await alarmCall(connection, ALARM_GET, { memberID: '0', alarm: ALARM_TYPE_ALL });
      const answers: AlarmMember[] = [];
      for (const alarm of alarms) answers.push(...(await alarmCall(connection, ALARM_DEACTIVATE, alarm)).alarms);
      return answers;
    });
    printAlarm(out, format, { header: null, alarms: cleared });
  },
};
