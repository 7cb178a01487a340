import { lockSuite } from './locks-suite';

lockSuite('Redis', {}, 'redis');
