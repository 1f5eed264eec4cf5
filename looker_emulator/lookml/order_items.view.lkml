view: order_items {
  sql_table_name: order_items ;;

  dimension: id {
    primary_key: yes
    type: number
    sql: ${TABLE}.id ;;
  }
  dimension: order_id {
    type: number
    hidden: yes
    sql: ${TABLE}.order_id ;;
  }
  dimension: product_id {
    type: number
    hidden: yes
    sql: ${TABLE}.product_id ;;
  }
  dimension: sale_price {
    type: number
    sql: ${TABLE}.sale_price ;;
    value_format_name: usd
  }
  dimension: gross_margin {
    type: number
    sql: ${sale_price} - ${products.cost} ;;
    value_format_name: usd
  }
  measure: count {
    type: count
    description: "Number of items sold"
  }
  measure: total_sale_price {
    type: sum
    sql: ${sale_price} ;;
    value_format_name: usd
    description: "Revenue"
  }
  measure: average_sale_price {
    type: average
    sql: ${sale_price} ;;
    value_format_name: usd
  }
  measure: min_sale_price {
    type: min
    sql: ${sale_price} ;;
  }
  measure: max_sale_price {
    type: max
    sql: ${sale_price} ;;
  }
  measure: total_gross_margin {
    type: sum
    sql: ${gross_margin} ;;
    value_format_name: usd
  }
}
