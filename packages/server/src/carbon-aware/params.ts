import { z } from 'zod';

/** One value or the repeated form (?location=a&location=b) as fastify's parser gives it. */
const many = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const one = z.union([z.string(), z.array(z.string()).length(1)]).transform((v) => (Array.isArray(v) ? v[0]! : v));

/** Date-time parameters are ISO 8601 with an offset, as the SDK's DateTimeOffset expects. */
const dateTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 date-time, e.g. 2022-03-01T15:30:00Z' })
  .transform((s) => Date.parse(s) / 1000);

const minutes = z.coerce.number().int('must be a whole number of minutes').min(0, 'must not be negative');

export const byLocationQuery = z.object({
  location: one,
  time: dateTime.optional(),
  toTime: dateTime.optional(),
  // Older SDK releases named these startTime/endTime on /emissions/bylocation.
  startTime: dateTime.optional(),
  endTime: dateTime.optional(),
});

export const byLocationsQuery = z.object({
  location: many.refine((v) => v.length > 0, { message: 'give at least one location' }),
  time: dateTime.optional(),
  toTime: dateTime.optional(),
});

export const forecastQuery = z.object({
  location: many.refine((v) => v.length > 0, { message: 'give at least one location' }),
  dataStartAt: dateTime.optional(),
  dataEndAt: dateTime.optional(),
  windowSize: minutes.optional(),
});

export const forecastBatchBody = z
  .array(
    z.object({
      // The SDK requires it on a batch item: it says which forecast run to read.
      requestedAt: dateTime,
      location: z.string({ message: 'The location field is required.' }).min(1, 'The location field is required.'),
      dataStartAt: dateTime.nullish(),
      dataEndAt: dateTime.nullish(),
      windowSize: z.number().int('must be a whole number of minutes').min(0, 'must not be negative').nullish(),
    }),
  )
  .min(1, 'give at least one forecast request');

const averageFields = {
  location: z.string({ message: 'The location field is required.' }).min(1, 'The location field is required.'),
  startTime: dateTime,
  endTime: dateTime,
};

export const averageQuery = z.object({ ...averageFields, location: one });
export const averageBatchBody = z.array(z.object(averageFields)).min(1, 'give at least one request');
