/** The first half of the CI's simulator seeds (see seed-sweep.ts). */
import { sweep } from './seed-sweep.js';

sweep(1, 200);
