import type { MailStrings } from './types';

// Arabic punctuation: «،» for the comma; the layout sets dir="rtl".
export const ar: MailStrings = {
  when: '{date}، {time} ({zone})',
  labelSeparator: ': ',
  greeting: 'مرحبًا {name}،',
  greetingAnonymous: 'مرحبًا،',
  appointment: 'موعد',
  labels: { when: 'الموعد', service: 'الخدمة', with: 'مقدّم الخدمة', reference: 'رقم الحجز' },
  code: {
    subject: '{code} هو رمز التحقق الخاص بك لدى {site}',
    heading: 'رمز التحقق الخاص بك',
    intro: 'أدخل هذا الرمز لتأكيد بريدك الإلكتروني لدى {site}:',
    expiry: 'الرمز صالح لمدة {minutes}، ويمكن استخدامه مرة واحدة فقط.',
    ignore: 'إذا لم تطلب رمزًا، فيمكنك تجاهل هذه الرسالة.',
  },
  confirmation: {
    subject: 'تم تأكيد موعدك لدى {site}: {date}، {time}',
    heading: 'تم تأكيد موعدك',
    intro: 'شكرًا لحجزك. نتطلع إلى رؤيتك.',
  },
  reschedule: {
    subject: 'تم نقل موعدك لدى {site} إلى {date}، {time}',
    heading: 'تم نقل موعدك',
    intro: 'أصبح موعدك في الوقت الجديد الموضّح أدناه.',
    previously: 'الموعد السابق: {when}',
  },
  cancellation: {
    subject: 'تم إلغاء موعدك لدى {site} يوم {date}',
    heading: 'تم إلغاء موعدك',
    intro: 'تم إلغاء الموعد الموضّح أدناه. نأمل أن نراك في وقت آخر.',
  },
  reminder: {
    subject: 'تذكير: موعدك لدى {site} يوم {date}، {time}',
    heading: 'موعدك يقترب',
    intro: 'نودّ تذكيرك بموعدك {day}.',
  },
  manage: {
    button: 'إدارة الحجز',
    buttonCancelled: 'عرض حجوزاتي',
    text: 'هل تحتاج إلى تغيير الموعد أو إلغائه؟ يمكنك إدارة حجزك من هنا:',
    textCancelled: 'اعرض حجوزاتك أو احجز موعدًا جديدًا من هنا:',
    note: 'ستؤكّد بريدك الإلكتروني برمز يُستخدم مرة واحدة.',
    copyLink: 'إذا لم يعمل الزر، فانسخ هذا الرابط والصقه في متصفحك:',
  },
  calendar: {
    add: 'يضيف ملف التقويم المرفق الموعد إلى تقويمك.',
    update: 'يحدّث ملف التقويم المرفق الموعد في تقويمك.',
    remove: 'يزيل ملف التقويم المرفق الموعد من تقويمك.',
  },
  footer: 'أرسل {site} هذه الرسالة بخصوص حجز تمّ بهذا البريد الإلكتروني.',
  footerCode: 'أرسل {site} هذه الرسالة لأنه طُلب رمز تحقق لهذا البريد الإلكتروني.',
  page: {
    title: 'إدارة حجزك – {site}',
    heading: 'إدارة حجزك',
    invalidLink: 'هذا الرابط غير صالح. أدخل بريدك الإلكتروني أدناه لعرض حجوزاتك وإدارتها.',
    noScript: 'تتطلب إدارة حجوزاتك تفعيل JavaScript.',
  },
};
