/** The second half of the CI's simulator seeds (see seed-sweep.ts). */
import { sweep } from './seed-sweep.js';

sweep(201, 400);
