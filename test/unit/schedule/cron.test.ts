// Cron lines as Kubernetes reads them, the CloudNativePG translation, zones and the next run times.
import { describe, expect, it } from 'vitest'
import { formatInZone, nextRuns, parseCron, toCnpgSchedule, validateTimeZone } from '../../../src/core/schedule/cron.ts'
import { UsageError } from '../../../src/errors.ts'

const refused = (line: string): UsageError => {
  try {
    parseCron(line)
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return err as UsageError
  }
  throw new Error(`"${line}" was accepted`)
}

describe('parseCron', () => {
  it.each([
    ['0 3 * * *'],
    ['*/15 * * * *'],
    ['0 2 * * MON-FRI'],
    ['0 0 1,15 JAN,jul ?'],
    ['5/15 * * * *'],
    ['0 0-23/6 * * *'],
    ['59 23 31 12 6'],
  ])('accepts %s (robfig/cron standard syntax)', (line) => {
    expect(parseCron(line).fields).toBe(line)
  })

  it.each([
    ['61 * * * *', /61 is outside 0-59 in the minute field/],
    ['* 24 * * *', /24 is outside 0-23 in the hour field/],
    ['* * 0 * *', /0 is outside 1-31 in the day of month field/],
    ['* * * 13 *', /13 is outside 1-12 in the month field/],
    ['* * * * 7', /use 0 or SUN for Sunday/],
    ['0 0 L * *', /"L" is not a number/],
    ['0 0 * * MON#2', /"MON#2" is not a number/],
    ['*/0 * * * *', /a step of 0/],
    ['5-1 * * * *', /ends before it starts/],
    ['* * * *', /4 fields, not five/],
    ['', /it is empty/],
    ['@every 1h', /@every is an interval/],
    ['@fortnightly', /unknown macro/],
    ['CRON_TZ=UTC 0 3 * * *', /--time-zone/],
  ])('refuses %s with exit 2', (line, why) => {
    const err = refused(line)
    expect(err.exitCode).toBe(2)
    expect(err.message).toMatch(why)
    expect(err.hint).toBeTruthy()
  })

  it("refuses six fields (CloudNativePG's seconds-first form) and offers the five", () => {
    const err = refused('0 0 3 * * *')
    expect(err.message).toMatch(/six fields/)
    expect(err.hint).toContain('"0 3 * * *"')
  })

  it('expands macros to the five fields Kubernetes gets', () => {
    expect(parseCron('@daily')).toMatchObject({ text: '@daily', fields: '0 0 * * *' })
    expect(parseCron('@hourly').fields).toBe('0 * * * *')
  })
})

describe('CloudNativePG', () => {
  it('prefixes a seconds field: "0 3 * * *" runs at 03:00:00, not every hour (cnpg#883)', () => {
    expect(toCnpgSchedule(parseCron('0 3 * * *'))).toBe('0 0 3 * * *')
    expect(toCnpgSchedule(parseCron('@weekly'))).toBe('0 0 0 * * 0')
  })
})

describe('time zones and next runs', () => {
  it('accepts IANA names and refuses the rest', () => {
    expect(validateTimeZone('Europe/Berlin')).toBe('Europe/Berlin')
    expect(validateTimeZone('UTC')).toBe('UTC')
    for (const z of ['Mars/Olympus', '+02:00', 'Local', '']) expect(() => validateTimeZone(z)).toThrow(UsageError)
  })

  it('computes the next three runs in the zone, across a DST change', () => {
    const from = Date.parse('2026-03-28T12:00:00Z') // the night Berlin moves to summer time follows
    const runs = nextRuns(parseCron('0 3 * * *'), 'Europe/Berlin', from).map((d) => d.toISOString())
    // 03:00 CET is 02:00Z; from the 29th 03:00 CEST is 01:00Z
    expect(runs).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z', '2026-03-31T01:00:00.000Z'])
    expect(nextRuns(parseCron('0 3 * * *'), undefined, from)[0]?.toISOString()).toBe('2026-03-29T03:00:00.000Z')
  })

  it('ORs day of month and day of week, as cron does', () => {
    const runs = nextRuns(parseCron('0 0 1 * MON'), undefined, Date.parse('2026-03-28T12:00:00Z')).map((d) => d.toISOString().slice(0, 10))
    expect(runs).toEqual(['2026-03-30', '2026-04-01', '2026-04-06'])
  })

  it('reads the robfig form a/s as a through the maximum', () => {
    const runs = nextRuns(parseCron('5/20 * * * *'), undefined, Date.parse('2026-03-28T12:00:00Z')).map((d) => d.toISOString().slice(11, 16))
    expect(runs).toEqual(['12:05', '12:25', '12:45'])
  })

  it('formats a run in the zone people read it in', () => {
    expect(formatInZone(new Date('2026-11-26T02:00:00Z'), 'Europe/Berlin')).toMatch(/^2026-11-26 03:00 (CET|GMT\+1) \(Europe\/Berlin\)$/)
    expect(formatInZone(new Date('2026-11-26T02:00:00Z'), undefined)).toMatch(/^2026-11-26 02:00 (UTC|GMT)$/)
  })
})
